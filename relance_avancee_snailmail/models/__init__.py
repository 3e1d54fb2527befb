from . import relance_level
from . import relance_executor_letter
from . import snailmail_letter

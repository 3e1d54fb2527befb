from . import relance_call_log
from . import relance_handover

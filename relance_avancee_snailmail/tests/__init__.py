from . import test_snailmail
from . import test_translations

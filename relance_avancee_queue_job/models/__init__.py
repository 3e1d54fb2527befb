from . import relance_run
from . import relance_run_line
from . import res_config_settings

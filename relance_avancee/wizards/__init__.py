from . import relance_acknowledgment
from . import relance_call_log
from . import relance_handover
from . import relance_xlsx_export
from . import mail_compose_message

from . import relance_receivable_report
from . import relance_action_report
from . import relance_statement
from . import relance_letter
from . import relance_injunction
from . import relance_agency_report

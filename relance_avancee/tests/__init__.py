from . import test_install
from . import test_engine
from . import test_overlap
from . import test_tour
from . import test_pdf
from . import test_legal
from . import test_settlements
from . import test_channels

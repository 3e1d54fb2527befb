from . import test_install, test_tour

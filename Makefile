# Two entry points for a fresh machine; both run the idempotent set-up first.
.PHONY: demo test setup
demo:  ## Odoo with relance_avancee and French demo data on http://127.0.0.1:8069
	bash scripts/demo.sh
test:  ## the whole test suite in a fresh test database
	bash scripts/test.sh
setup:
	bash scripts/setup.sh

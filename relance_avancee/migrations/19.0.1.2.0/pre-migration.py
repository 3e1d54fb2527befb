def migrate(cr, version):
    """Until 19.0.1.1.0 the shipped B2B and B2C policies were the main company's live
    policies. They stay so, with their levels and history, as ordinary policies of the
    company: their XML ids are detached, and the data file creates the templates anew under
    the same ids."""
    cr.execute(
        """
        DELETE FROM ir_model_data
         WHERE module = 'relance_avancee' AND model IN ('relance.policy', 'relance.level')
        """
    )

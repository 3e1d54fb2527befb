from . import account_move, relance_channel, relance_level, relance_policy, res_partner

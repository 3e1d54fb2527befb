import {registry} from "@web/core/registry";

// The credit controller logs a dunning call from its activity in the customer's chatter.
registry.category("web_tour.tours").add("relance_activity_log_call_tour", {
    steps: () => [
        {
            content: "Log the call from the call activity",
            trigger:
                ".o-mail-Activity:contains('Dunning call') .o-relance-Activity-logCall",
            run: "click",
        },
        {
            content: "The customer promised to pay",
            trigger: ".modal div[name='outcome'] input[data-value='promise']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The call is logged on the customer and its activity is done",
            trigger:
                ".o-mail-Chatter:not(:has(.o-mail-Activity)) .o-mail-Message:contains('Promise to pay')",
        },
    ],
});

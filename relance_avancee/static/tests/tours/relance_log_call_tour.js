import {registry} from "@web/core/registry";

// After a call, the accountant logs the customer's promise to pay.
registry.category("web_tour.tours").add("relance_log_call_tour", {
    steps: () => [
        {
            content: "The call action is to do",
            trigger:
                ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('To do')",
        },
        {
            content: "Log the call",
            trigger:
                ".o_form_view .o_statusbar_buttons button:contains('Log the call')",
            run: "click",
        },
        {
            content: "The customer promised to pay",
            trigger: ".modal div[name='outcome'] input[data-value='promise']",
            run: "click",
        },
        {
            content: "The promised amount is proposed: the amount due",
            trigger: ".modal div[name='promise_amount'] input:value('1,200.00')",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button[name='action_confirm']",
            run: "click",
        },
        {
            content: "The call is done, with its outcome",
            trigger:
                ".o_form_view .o_field_widget[name='call_outcome']:contains('Promise to pay')",
        },
    ],
});

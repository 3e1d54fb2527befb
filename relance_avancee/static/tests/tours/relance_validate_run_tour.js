import {registry} from "@web/core/registry";

// An accountant reviews today's proposal, holds one customer back and validates another.
registry.category("web_tour.tours").add("relance_validate_run_tour", {
    url: "/odoo/action-relance_avancee.relance_run_line_action_todo",
    steps: () => [
        {
            content: "Today's proposal lists both customers",
            trigger: ".o_data_row:contains('Tour Late SARL')",
        },
        {
            content: "Exclude the other customer's line",
            trigger:
                ".o_data_row:contains('Tour Other SAS') button[name='action_exclude']",
            run: "click",
        },
        {
            content: "The excluded line leaves the proposal",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Other SAS')))",
        },
        {
            content: "Select the remaining line",
            trigger:
                ".o_data_row:contains('Tour Late SARL') .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Validate and send",
            trigger: "button[name='action_execute']",
            run: "click",
        },
        {
            content: "The validated line leaves the proposal",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Late SARL')))",
        },
    ],
});

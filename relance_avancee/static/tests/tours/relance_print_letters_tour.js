import {registry} from "@web/core/registry";

// An accountant prints the letters of a run.
registry.category("web_tour.tours").add("relance_print_letters_tour", {
    steps: () => [
        {
            content: "The run lists the letter to send",
            trigger:
                ".o_form_view .o_field_widget[name='line_ids'] .o_data_row:contains('Tour Letter SARL')",
        },
        {
            content: "Print the letters",
            trigger:
                ".o_form_view .o_statusbar_buttons button[name='action_print_letters']",
            run: "click",
        },
        {
            content: "The run stays open",
            trigger:
                ".o_form_view .o_statusbar_buttons button[name='action_print_letters']:enabled",
        },
    ],
});

import {registry} from "@web/core/registry";

// An accountant previews a customer's reminder in the composer, adds a sentence and sends it.
registry.category("web_tour.tours").add("relance_preview_mail_tour", {
    steps: () => [
        {
            content: "Preview the reminder of the customer",
            trigger:
                ".o_form_view .o_field_widget[name='line_ids'] .o_data_row:contains('Tour Preview SARL') button[name='action_preview_email']",
            run: "click",
        },
        {
            content: "The composer shows the template's subject",
            trigger:
                ".modal .o_field_widget[name='subject'] input:value('reminder of overdue invoices')",
        },
        {
            content: "The body lists the invoice",
            trigger:
                ".modal .o_field_widget[name='body'] .odoo-editor-editable:contains('INV/')",
        },
        {
            content: "The invoice's PDF is attached",
            trigger: ".modal .o_field_widget[name='attachment_ids']:contains('INV')",
        },
        {
            content: "Add a sentence to the greeting",
            trigger:
                ".modal .o_field_widget[name='body'] .odoo-editor-editable p:contains('Dear Tour Preview SARL')",
            run: "editor Dear Tour Preview SARL, as agreed on the phone, we expect your transfer on Friday.",
        },
        {
            content: "Send",
            trigger: ".modal footer button.o_mail_send:enabled",
            run: "click",
        },
        {
            content: "The composer is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The line is done",
            trigger:
                ".o_form_view .o_field_widget[name='line_ids'] .o_data_row:contains('Tour Preview SARL') .o_field_widget[name='state']:contains('Done')",
        },
    ],
});

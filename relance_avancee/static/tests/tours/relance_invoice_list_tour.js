import {registry} from "@web/core/registry";

// An accountant opens the customer invoices and finds the dunning columns and filters.
registry.category("web_tour.tours").add("relance_invoice_list_tour", {
    url: "/odoo/action-account.action_move_out_invoice_type",
    steps: () => [
        {
            content: "The invoice list shows the dunning level column",
            trigger: ".o_list_view th[data-name='relance_level_id']",
        },
        {
            content: "The overdue invoice of the tour customer is listed",
            trigger: ".o_data_row:contains('Tour Customer SARL')",
        },
        {
            content: "Open the search options",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter the invoices to remind today",
            trigger: ".o_filter_menu .o_menu_item:contains('To remind today')",
            run: "click",
        },
        {
            content: "The facet is applied",
            trigger: ".o_searchview_facet:contains('To remind today')",
        },
        {
            content: "The overdue invoice is to remind, the fresh one is filtered out",
            trigger:
                ".o_data_row:contains('Tour Customer SARL') .o_field_badge:contains('To remind')",
        },
        {
            content: "Only one invoice is to remind",
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Fresh SAS')))",
        },
    ],
});

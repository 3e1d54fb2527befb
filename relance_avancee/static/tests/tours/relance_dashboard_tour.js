import {registry} from "@web/core/registry";

// A finance manager reads the dunning dashboard, then exports the aged balance to Excel.
registry.category("web_tour.tours").add("relance_dashboard_tour", {
    url: "/odoo/action-relance_avancee.relance_dashboard_action",
    steps: () => [
        {
            content: "The indicators of the period beside the previous one",
            trigger: ".o_field_widget[name='kpi_html'] th:contains('Previous period')",
        },
        {
            content: "The DSO is computed",
            trigger:
                ".o_field_widget[name='kpi_html'] tr:contains('DSO') td:eq(1):not(:contains('—'))",
        },
        {
            content: "Open the reporting menu",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Reporting')",
            run: "click",
        },
        {
            content: "Export to Excel",
            trigger: ".dropdown-menu .dropdown-item:contains('Export to Excel')",
            run: "click",
        },
        {
            content: "Export the aged balance",
            trigger: ".modal-footer button[name='action_export']",
            run: "click",
        },
        {
            content: "The export dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

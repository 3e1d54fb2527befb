import {registry} from "@web/core/registry";

// A finance manager follows the KPIs month by month, then the causes of delay.
registry.category("web_tour.tours").add("relance_kpi_month_tour", {
    url: "/odoo/action-relance_avancee.relance_dashboard_action",
    steps: () => [
        {
            content: "Open the reporting menu",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Reporting')",
            run: "click",
        },
        {
            content: "The KPIs by month",
            trigger: ".dropdown-menu .dropdown-item:contains('Dunning KPIs by month')",
            run: "click",
        },
        {
            content: "Their graph is drawn",
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "Switch to the pivot",
            trigger: ".o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "The pivot shows the DSO of each month",
            trigger: ".o_pivot th:contains('DSO (days)')",
        },
        {
            content: "Open the reporting menu again",
            trigger: ".o_main_navbar .o_menu_sections button:contains('Reporting')",
            run: "click",
        },
        {
            content: "The causes of delay",
            trigger: ".dropdown-menu .dropdown-item:contains('Causes of delay')",
            run: "click",
        },
        {
            content: "By customer and cause",
            trigger: ".o_pivot th:contains('Cash difficulties')",
        },
    ],
});

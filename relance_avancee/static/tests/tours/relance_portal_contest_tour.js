import {registry} from "@web/core/registry";

// A customer sees an overdue invoice on the portal and contests it.
registry.category("web_tour.tours").add("relance_portal_contest_tour", {
    steps: () => [
        {
            content: "The overdue invoice says how late it is",
            trigger: ".o_relance_portal .alert-danger:contains('days late')",
        },
        {
            content: "Open the dispute form",
            trigger: ".o_relance_contest summary",
            run: "click",
        },
        {
            content: "Choose the reason",
            trigger: ".o_relance_contest select[name='reason']",
            run: "selectByLabel Goods or service not delivered",
        },
        {
            content: "Explain",
            trigger: ".o_relance_contest textarea[name='message']",
            run: "edit The second delivery never arrived",
        },
        {
            content: "Send",
            trigger: ".o_relance_contest button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The dispute is acknowledged",
            trigger:
                ".o_relance_portal .alert-info:contains('Your dispute has been sent')",
        },
        {
            content: "The invoice is now contested",
            trigger:
                ".o_relance_portal .alert-warning:contains('This invoice is contested')",
        },
    ],
});

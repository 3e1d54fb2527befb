const {chromium} = require("playwright-core");
const out = process.argv[2];
const invoice = process.argv[3];
const base = process.argv[4] || "http://127.0.0.1:8069";
(async () => {
    const browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: ["--no-sandbox"],
    });
    const login = async (user, password) => {
        const page = await browser.newPage({viewport: {width: 1400, height: 860}});
        await page.goto(base + "/web/login");
        await page.fill("input[name=login]", user);
        await page.fill("input[name=password]", password);
        await Promise.all([
            page.waitForNavigation(),
            page.click("button[type=submit]"),
        ]);
        return page;
    };
    // the demo company's accountant (demo/res_company_demo.xml)
    const page = await login("comptable", "atelier-durand");
    const shots = [
        [
            "todo",
            "/odoo/action-relance_avancee.relance_run_line_action_todo",
            ".o_data_row",
        ],
        [
            "invoice",
            `/odoo/action-account.action_move_out_invoice_type/${invoice}`,
            ".o_form_view",
        ],
        [
            "dashboard",
            "/odoo/action-relance_avancee.relance_dashboard_action",
            ".o_field_widget[name='kpi_html'] table",
        ],
        [
            "receivables",
            "/odoo/action-relance_avancee.relance_receivable_report_action",
            ".o_pivot",
        ],
        ["portal", `/my/invoices/${invoice}`, ".o_relance_portal"],
    ];
    for (const [name, url, selector] of shots) {
        await page.goto(base + url);
        await page.waitForSelector(selector, {timeout: 30000});
        if (name === "invoice") {
            await page.click("a[name='relance'], .nav-link:has-text('Relances')");
            await page.waitForTimeout(800);
        }
        await page.waitForTimeout(1200);
        await page.screenshot({path: `${out}/screenshot_${name}.png`});
        console.log("shot", name);
    }
    // a customer of the demo signed in to the portal (demo/res_users_demo.xml)
    const customer = await login("portail", "hotel-du-parc");
    await customer.goto(base + "/my/invoices");
    await customer.waitForSelector(".o_relance_reminders", {timeout: 30000});
    await customer.screenshot({path: `${out}/screenshot_portal_list.png`});
    console.log("shot portal_list");
    await browser.close();
})().catch((e) => {
    console.error(e);
    process.exit(1);
});

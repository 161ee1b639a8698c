from playwright.sync_api import expect


def test_home_page_opens_in_german(page, live_server, transactional_db):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("link", name="CoopMap")).to_be_visible()

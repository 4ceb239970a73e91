"""Room chat in real Chromium: public and direct messages, history, limits."""

from __future__ import annotations

from playwright.sync_api import expect

from launch.room_page import join, open_chat, send_chat, tiles
from tests.browser.conftest import new_room_id


def messages(page):
    return page.get_by_test_id("chat-message")


def test_two_people_chat_with_unread_badge_and_safe_links(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    join(ada, url, room)
    join(bob, url, room)
    expect(tiles(ada)).to_have_count(2)

    text = (
        'hi https://example.com/x?y=1. <b>bold</b><img src=x onerror="window.pwned=1">'
    )
    send_chat(ada, text)
    expect(messages(ada)).to_have_count(1)
    # Bob's panel is closed: an unread badge, and a screen-reader announcement.
    toggle = bob.get_by_test_id("toggle-chat")
    expect(toggle).to_have_attribute("data-unread", "1")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(bob.get_by_test_id("chat-announcer")).to_contain_text(
        "Ada: hi https://example.com"
    )
    open_chat(bob)
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_attribute("data-unread", "0")
    message = messages(bob).first
    expect(message).to_contain_text("<b>bold</b>")
    link = message.locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "https://example.com/x?y=1")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow ugc")
    assert message.locator("b, img, script").count() == 0
    assert bob.evaluate("() => window.pwned") is None

    send_chat(bob, "hello Ada")
    expect(messages(ada)).to_have_count(2)
    expect(messages(ada).last).to_contain_text("hello Ada")


def test_a_direct_message_reaches_only_its_recipient(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada, bob, cy = person(url, "Ada"), person(url, "Bob"), person(url, "Cy")
    for page in (ada, bob, cy):
        join(page, url, room)
    expect(tiles(ada)).to_have_count(3)
    send_chat(ada, "for everyone")
    send_chat(ada, "just for Bob", to="Bob")
    open_chat(bob)
    open_chat(cy)
    expect(messages(bob)).to_have_count(2)
    direct = bob.locator("[data-testid=chat-message][data-direct=true]")
    expect(direct).to_contain_text("just for Bob")
    expect(direct).to_contain_text("Ada (direct message)")
    expect(messages(cy)).to_have_count(1)
    cy.wait_for_timeout(1500)
    expect(messages(cy)).to_have_count(1)
    expect(cy.get_by_text("just for Bob")).to_have_count(0)
    # Also after reloading: Cy's history never contains it.
    cy.reload()
    open_chat(cy)
    expect(messages(cy)).to_have_count(1)
    expect(messages(ada).last).to_contain_text("Direct message to Bob")


def test_history_is_there_after_rejoining(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada, bob = person(url, "Ada"), person(url, "Bob")
    join(ada, url, room)
    join(bob, url, room)
    send_chat(ada, "before I go")
    send_chat(bob, "see you")
    expect(messages(ada)).to_have_count(2)
    ada.get_by_test_id("leave").click()
    ada.wait_for_url("**/feedback")
    join(ada, url, room)
    open_chat(ada)
    # Direct messages belong to the stay they were sent in (no accounts: a
    # new stay is a new participant); the room's messages are all there.
    expect(messages(ada)).to_have_count(2)
    expect(messages(ada).first).to_contain_text("before I go")
    expect(messages(ada).last).to_contain_text("see you")
    # A newcomer sees the history too.
    cy = person(url, "Cy")
    join(cy, url, room)
    open_chat(cy)
    expect(messages(cy)).to_have_count(2)


def test_rate_limit_and_length_are_enforced_with_clear_messages(app_server, person):
    url = app_server["url"]
    room = new_room_id()
    ada = person(url, "Ada")
    join(ada, url, room)
    open_chat(ada)
    # Ten messages at once: at most 5 in 2 s pass, the last ones are refused
    # (however slowly a busy machine sends them).
    for n in range(10):
        ada.get_by_test_id("chat-input").fill(f"message {n}")
        ada.get_by_test_id("chat-send").click()
    error = ada.get_by_test_id("chat-error")
    expect(error).to_have_attribute("data-code", "chat_rate_limited")
    expect(error).to_contain_text("too fast")
    # The tab's events are handled in order: once a raised hand shows, every
    # message above has been answered.
    hand = ada.get_by_test_id("toggle-hand")
    hand.click()
    expect(hand).to_have_attribute("aria-pressed", "true")
    # The refused message keeps its draft; sent again later, it goes.
    composer = ada.get_by_test_id("chat-input")
    expect(composer).to_have_value("message 9")
    expect(messages(ada).filter(has_text="message 9")).to_have_count(0)
    accepted = messages(ada).count()
    assert 5 <= accepted < 10, accepted
    ada.wait_for_timeout(2_500)
    ada.get_by_test_id("chat-send").click()
    expect(messages(ada)).to_have_count(accepted + 1)
    expect(messages(ada).last).to_contain_text("message 9")
    expect(composer).to_have_value("")
    expect(error).to_have_count(0)
    # An invalid message is refused with the reason, and kept.
    composer.fill("ring \u0007 bell")
    ada.get_by_test_id("chat-send").click()
    expect(error).to_have_attribute("data-code", "chat_text_control_chars")
    expect(error).to_contain_text("can't be sent")
    expect(composer).to_have_value("ring \u0007 bell")
    expect(messages(ada)).to_have_count(accepted + 1)
    # The composer cannot hold more than 2000 characters.
    ada.get_by_test_id("chat-input").fill("x" * 2100)
    assert len(ada.get_by_test_id("chat-input").input_value()) == 2000

"""Planning: lookups in hop order, erasure order with cycles broken, unreachable collections reported."""

from __future__ import annotations

import pytest
from dsr_shop import declaration, demo_declaration

from troth.dsr.engine import PlanError, erasure_order, make_plan


def test_demo_plan_follows_links_and_identities_found_on_the_way() -> None:
    plan = make_plan(demo_declaration(), ["email"])
    text = "\n".join(plan.explain())
    assert "[hop 0] shop.customer.email = email" in text
    assert "[hop 1] shop.comment.author_id = shop.customer.user_id" in text  # a link with no foreign key
    assert "[hop 1] shop.login_event.user_id = user_id" in text  # an identity reached through another
    assert "[hop 2] shop.order_item.order_id = shop.orders.id" in text  # multi-hop
    assert "shop.message.body mentions email" in text
    assert "cycle broken by nulling customer.default_address_id first" in text
    assert "Searched only for mentions in free text:\n  shop.event_log, shop.mailing_list" in text
    assert not plan.unreachable
    # the other person's messages are not reached through the shared conversation
    assert not any(
        s.describe() == "shop.message.conversation_id = shop.conversation.id" for s in plan.lookups
    )


def test_erasure_order_puts_children_before_parents() -> None:
    order, broken = erasure_order(demo_declaration().datasets[0])
    assert order.index("order_item") < order.index("orders") < order.index("customer")
    assert order.index("revision") < order.index("post")
    assert order.index("address") < order.index("customer")
    assert broken == [("customer", "default_address_id")]
    assert "customer_summary" not in order  # a view is never written


UNREACHABLE = """
datasets:
  - id: app
    connection_env: APP_URL
    collections:
      - name: account
        fields: [{name: id}, {name: email, identity: email}]
      - name: audit_trail
        fields: [{name: id}, {name: actor, categories: [identity.name]}]
      - name: phone_book
        fields: [{name: id}, {name: phone, identity: phone}]
"""


def test_collections_no_identity_leads_to_are_reported_with_the_reason() -> None:
    plan = make_plan(declaration(UNREACHABLE), ["email"])
    reasons = {c: why for _d, c, why in plan.unreachable}
    assert "no identity field and no link" in reasons["audit_trail"]
    assert reasons["phone_book"] == "needs phone, which these identities do not lead to"
    assert "Not reachable from these identities:" in "\n".join(plan.explain())


def test_unknown_identity_and_not_null_cycles_are_refused() -> None:
    with pytest.raises(PlanError, match="no dataset field holds the identity `phone_number`"):
        make_plan(demo_declaration(), ["phone_number"])
    cyclic = """
datasets:
  - id: app
    connection_env: APP_URL
    collections:
      - name: a
        fields: [{name: id, identity: email}, {name: b_id, references: {collection: b}, required: true, erase: delete_row}]
      - name: b
        fields: [{name: id}, {name: a_id, references: {collection: a}, required: true, erase: delete_row}]
"""
    with pytest.raises(PlanError, match="cycle of NOT NULL references"):
        make_plan(declaration(cyclic), ["email"])

"""Who may act on an Oscar shop's photos besides its staff: a partner's users, on the products
their partner stocks, the rule of Oscar's own dashboard (``partner.dashboard_access``)."""

from __future__ import annotations

PARTNER_PERMISSION = "partner.dashboard_access"


def partner_products(user):
    """Products with a stock record of a partner ``user`` belongs to (None: not a partner
    user, or staff, who act on the whole store through SINGLE_STORE_MEMBERS)."""
    if user.is_staff or not user.has_perm(PARTNER_PERMISSION):
        return None
    from oscar.core.loading import get_model

    Product = get_model("catalogue", "Product")
    return Product.objects.filter(stockrecords__partner__users=user)

"""Title -> prompt: brands, sizes, SKUs and marketing words go; noun, colour, material stay."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from konigle_bg.imaging.prompts import FALLBACK_PROMPT, prompts_from_title

# (title, description, category, expected prompts): the exact output is the contract.
CASES = [
    (
        "Nike Air Zoom Pegasus 40 Men's Running Shoes - Size 10, Black",
        "",
        "",
        ["black running shoes"],
    ),
    ("Levi's 501 Original Fit Men's Jeans, Dark Stonewash, 32W x 32L", "", "", ["jeans"]),
    ("Hanes Men's Crew Neck T-Shirts, 6-Pack, White", "", "", ["white t-shirts"]),
    ("Zara Women's Linen Blend Midi Dress - Beige - XS", "", "", ["beige linen dress"]),
    ("Patagonia Better Sweater Fleece Jacket Navy Blue M", "", "", ["navy blue fleece jacket"]),
    ("Champion Reverse Weave Hoodie, Oxford Grey, Large", "", "", ["grey hoodie"]),
    (
        "Dr. Martens 1460 Smooth Leather Lace Up Boots - Cherry Red - UK 7",
        "",
        "",
        ["red leather boots"],
    ),
    ("Uniqlo Ultra Light Down Puffer Jacket (Olive, L)", "", "", ["olive puffer jacket"]),
    ("Ray-Ban RB2140 Original Wayfarer Sunglasses, Black Frame", "", "", ["black sunglasses"]),
    ("Pack of 6 Cotton Ankle Socks, Assorted Colours", "", "", ["cotton ankle socks"]),
    ("Harry Potter and the Philosopher's Stone (Paperback)", "", "", ["book"]),
    ("The Midnight Library: A Novel", "", "Books > Fiction", ["book"]),
    ("Where the Crawdads Sing", "", "Books", ["book"]),
    ("LEGO City Fire Truck 60374 Building Toy Set", "", "", ["fire truck"]),
    ("Melissa & Doug Wooden Rainbow Stacking Toy", "", "", ["wooden stacking toy"]),
    ("Barbie Dreamhouse Doll Playset with 75+ Pieces", "", "", ["doll playset"]),
    ("Jellycat Bashful Bunny Plush Toy, Medium, Cream", "", "", ["cream plush"]),
    ("Ravensburger 1000 Piece Jigsaw Puzzle - Venice at Night", "", "", ["jigsaw puzzle"]),
    (
        "Le Creuset Enameled Cast Iron Signature Round Dutch Oven, 5.5 qt., Cerise",
        "",
        "",
        ["red cast iron dutch oven"],
    ),
    (
        "KitchenAid Artisan Series 5 Quart Tilt-Head Stand Mixer, Empire Red",
        "",
        "",
        ["red stand mixer"],
    ),
    ("OXO Good Grips 3-Piece Mixing Bowl Set", "", "", ["mixing bowl"]),
    (
        "Stanley Quencher H2.0 FlowState Stainless Steel Vacuum Insulated Tumbler 40 oz",
        "",
        "",
        ["stainless steel tumbler"],
    ),
    ("Lodge 10.25 Inch Cast Iron Skillet", "", "", ["cast iron skillet"]),
    ("Hydro Flask 32 oz Wide Mouth Water Bottle with Flex Cap - Pacific", "", "", ["water bottle"]),
    ("Ninja AF101 Air Fryer, 4 Qt, Black/Grey", "", "", ["black air fryer"]),
    ("Victorinox Fibrox Pro 8-Inch Chef's Knife", "", "", ["chef's knife"]),
    (
        "Handmade Ceramic Coffee Mug 350ml - Speckled White - Perfect Gift",
        "",
        "",
        ["white ceramic coffee mug"],
    ),
    ("Sony WH-1000XM5 Wireless Noise Cancelling Headphones, Black", "", "", ["black headphones"]),
    ("Apple iPhone 15 Pro 128GB Natural Titanium", "", "", ["phone"]),
    ("Logitech MX Master 3S Wireless Performance Mouse - Graphite", "", "", ["grey mouse"]),
    ("Samsung 65-Inch Class QLED 4K Smart TV (QN65Q60C)", "", "", ["tv"]),
    ("Silicone Case for iPhone 15 Pro with MagSafe, Midnight", "", "", ["silicone phone case"]),
    ("Anker 737 Power Bank PowerCore 24K, 140W", "", "", ["power bank"]),
    ("JBL Flip 6 Portable Bluetooth Speaker, Waterproof, Blue", "", "", ["blue speaker"]),
    (
        "Pandora Moments Sterling Silver Snake Chain Charm Bracelet",
        "",
        "",
        ["silver charm bracelet"],
    ),
    ("Mejuri 14k Gold Hoop Earrings", "", "", ["gold hoop earrings"]),
    (
        "Swarovski Crystal Heart Pendant Necklace, Rose Gold-Tone",
        "",
        "",
        ["rose gold crystal pendant necklace"],
    ),
    ("Casio Men's Classic Resin Strap Watch F91W-1", "", "", ["watch"]),
    (
        "Solitaire Engagement Ring 1ct Lab Diamond 18K White Gold",
        "",
        "",
        ["white gold engagement ring"],
    ),
    ("Duracell AA Batteries, 24 Count", "", "", ["batteries"]),
    ("Bic Cristal Ballpoint Pens, Blue, Pack of 12", "", "", ["blue ballpoint pens"]),
    ("Oak Dining Table and 4 Chairs Set", "", "", ["oak dining table", "oak chairs"]),
    ("Coffee Mug & Coaster Gift Set", "", "", ["coffee mug", "coaster"]),
    ("Adidas Damen Laufschuhe Ultraboost 22, Schwarz", "", "", ["black running shoes"]),
    ("Robe Longue Femme en Lin Blanc", "", "", ["white linen dress"]),
    ("Taza de Cerámica 350 ml, Azul", "", "", ["blue ceramic mug"]),
    ("Kaffeetasse aus Porzellan, Weiß, 300 ml", "", "", ["white porcelain coffee mug"]),
    ("Borsa a Tracolla Donna in Pelle Nera", "", "", ["black leather bag"]),
    ("Zapatillas de Running para Hombre Nike Revolution 6, Negro", "", "", ["black sneakers"]),
    ("ワイヤレスイヤホン Bluetooth 5.3", "", "Electronics > Headphones", ["headphones"]),
    ("ワイヤレスイヤホン Bluetooth 5.3", "", "", ["product"]),
    ("Zorbix Q7 Pro", "", "Home > Lighting > Desk Lamps", ["desk lamps"]),
    (
        "Zorbix Q7 Pro",
        "A sleek desk lamp with three brightness levels. Ships free.",
        "",
        ["desk lamp"],
    ),
    ("BLACK+DECKER 20V MAX Cordless Drill", "", "", ["drill"]),
    ("Yoga Mat 6mm Non Slip, Purple", "", "", ["purple yoga mat"]),
    ("Orthopedic Bed for Dogs, Large, Grey", "", "", ["grey dog bed"]),
    ("Wine Glasses Set of 4, Crystal", "", "", ["crystal wine glasses"]),
    ("Light Blue Oxford Shirt - Slim Fit", "", "", ["light blue shirt"]),
    ("Dyson V8 Cordless Vacuum Cleaner, Nickel", "", "", ["vacuum cleaner"]),
    ("Philips Steam Iron 2400W, Blue", "", "", ["blue steam iron"]),
    (
        "Fender Player Stratocaster Electric Guitar, Maple Fingerboard, 3-Color Sunburst",
        "",
        "",
        ["guitar"],
    ),
    ("Yankee Candle Large Jar Candle, Vanilla Cupcake", "", "", ["candle"]),
    ("Lodge Cast Iron", "", "", ["product"]),
    ("", "", "", ["product"]),
    ("SKU-48213 #2024 NEW!!!", "", "", ["product"]),
]


@pytest.mark.parametrize(("title", "description", "category", "expected"), CASES)
def test_prompts_from_title(title, description, category, expected):
    assert prompts_from_title(title, description, category) == expected


def test_table_is_big_and_varied():
    assert len(CASES) >= 40
    assert len({c[3][0] for c in CASES}) >= 35


def test_never_empty_and_short():
    for title, description, category, _ in CASES:
        prompts = prompts_from_title(title, description, category)
        assert prompts and all(p.strip() for p in prompts)
        assert len(prompts) <= 3
        assert all(len(p.split()) <= 5 for p in prompts)


def test_no_digits_or_brands_leak():
    for title, description, category, _ in CASES:
        for prompt in prompts_from_title(title, description, category):
            assert not any(ch.isdigit() for ch in prompt)
            for brand in ("nike", "lego", "sony", "apple", "black+decker", "decker", "levi"):
                assert brand not in prompt.split()


def test_title_noun_wins_over_category():
    assert prompts_from_title("Red Kettle 1.7L", category="Home > Lamps") == ["red kettle"]


def test_description_only_used_when_title_and_category_have_no_noun():
    desc = "A ceramic vase for dried flowers."
    assert prompts_from_title("Aurelia No. 5", description=desc) == ["ceramic vase"]
    assert prompts_from_title("Aurelia Mug", description=desc) == ["mug"]


def test_fallback():
    assert prompts_from_title("   ") == [FALLBACK_PROMPT]
    assert FALLBACK_PROMPT == "product"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120), st.text(max_size=60), st.text(max_size=40))
def test_any_text_gives_short_non_empty_prompts(title, description, category):
    prompts = prompts_from_title(title, description, category)
    assert 1 <= len(prompts) <= 3
    assert all(p and p == p.strip() and p == p.lower() for p in prompts)

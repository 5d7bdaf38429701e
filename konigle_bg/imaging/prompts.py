"""Product title -> short text prompts for the prompt-driven segmenters (CLIPSeg).

CLIPSeg finds "black running shoes" far better than "Nike Air Zoom Pegasus 40 Men's Running
Shoes - Size 10, Black": brand and model names, sizes, SKUs and marketing words are noise to it.
Brands cannot be listed exhaustively, so the approach is the reverse: keep only words from small
vocabularies (product nouns, the compound modifier right before the noun, colours, materials) and
drop everything else. The head noun of an English noun phrase is its last noun, so the subject is
the last known noun of the title's main segment; "X and Y" gives one prompt each (the segmenter
takes the max of the maps); "with ..." / "for ..." clauses are accessories or targets, not the
subject. Common non-English product words are translated through a small glossary.

Pure and dependency-free: used by the Django services and by the benchmarks alike.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "prompts_from_title",
    "subject_of",
    "subject_in",
    "FALLBACK_PROMPT",
    "ONE",
    "ALIKE",
    "ANY",
]

# What a title says the photo shows (``subject_of``); ``leftovers.keep_product`` acts on it.
ONE, ALIKE, ANY = "one", "alike", "any"

FALLBACK_PROMPT = "product"
MAX_PROMPTS = 3

# Product nouns (singular; plurals are recognised by ``_singular``).
_NOUNS = frozenset(
    """
    shoe sneaker trainer boot sandal slipper loafer heel pump flip-flop clog espadrille
    shirt t-shirt tee polo blouse top tank sweater jumper cardigan hoodie sweatshirt jacket coat
    blazer vest waistcoat dress skirt jeans trousers pants shorts leggings joggers tracksuit
    suit jumpsuit romper overalls bra underwear boxers briefs sock tights pyjamas pajamas robe
    swimsuit bikini hat cap beanie scarf glove mitten belt tie bowtie sunglasses glasses
    bag handbag backpack rucksack purse wallet tote clutch suitcase luggage briefcase umbrella
    watch necklace bracelet ring earring pendant brooch anklet bangle charm cufflink chain
    mug cup glass tumbler bottle flask jug pitcher teapot kettle pan skillet wok pot saucepan
    casserole oven fryer mixer blender toaster grinder knife fork spoon spatula whisk ladle
    bowl plate dish tray platter board colander sieve grater peeler opener corkscrew jar
    canister container box thermos coaster napkin placemat tablecloth apron
    lamp light chandelier lantern candle vase mirror frame clock cushion pillow blanket throw
    rug carpet curtain towel duvet quilt sheet mattress basket planter
    chair table desk sofa couch stool bench bed shelf bookcase cabinet dresser wardrobe
    nightstand ottoman bookshelf
    phone smartphone laptop tablet computer monitor keyboard mouse headphones headphone
    earbuds earphones headset speaker microphone camera lens tv television projector console
    controller router tv charger cable adapter case cover stand holder mount tripod drone printer
    watchband strap band protector sleeve battery bank powerbank e-reader smartwatch
    toy doll teddy plush puzzle truck car train robot blocks figure kite ball bat racket
    football basketball volleyball baseball
    helmet skateboard scooter bicycle bike tricycle rocket dinosaur playset
    book notebook journal diary pen pencil marker crayon eraser stapler calendar planner
    bottle perfume lipstick mascara serum cream lotion shampoo conditioner soap brush comb
    razor trimmer dryer straightener sponge
    mat dumbbell kettlebell
    collar leash harness
    tent sleeping-bag hammock cooler
    drill saw hammer screwdriver wrench
    jersey kimono poncho parka anorak gilet onesie bodysuit bib mule moccasin slides trunks
    stroller pram crib highchair fan heater vacuum cleaner iron humidifier diffuser
    guitar ukulele violin piano drum harmonica headband scrunchie hairclip wig
    palette foundation lipgloss perfume cologne candle poster painting figurine statue
    sculpture ornament bauble wreath keychain keyring badge pouch organiser organizer rack
    hanger hook bin crate tin armchair recliner beanbag pouf futon goggles mask mitt
    jam honey chocolate coffee tea oil sauce cookie biscuit candy
    towels pyjama doormat dripper tile block figures horse rabbit bunny bear cushion jar tin
    badge pin card flats servers
    """.split()
) | frozenset(
    # Food, plants and soft goods: grocery, bakery, florist and home-textile titles.
    """
    bread loaf baguette roll bun bagel croissant brioche focaccia ciabatta sourdough pastry
    muffin cupcake cake tart pie donut doughnut macaron scone pretzel cracker waffle pancake
    brownie flapjack granola muesli cereal truffle praline fudge caramel sweets gummies lollipop
    cheese cheddar brie camembert parmesan parmigiano gouda mozzarella feta halloumi stilton
    fruit apple pear banana avocado lemon lime strawberry blueberry raspberry cherry grape
    mango pineapple melon watermelon peach plum apricot kiwi fig pomegranate berries
    vegetable carrot tomato potato onion garlic cucumber lettuce cabbage broccoli mushroom
    courgette zucchini aubergine eggplant leek celery beetroot squash pumpkin corn
    beans bean peppercorn peppercorns spice spices paprika cinnamon cumin turmeric saffron
    vanilla herb herbs seasoning pesto ketchup chutney relish mayonnaise dressing vinegar
    syrup spread butter marmalade preserve pickle pickles gherkin gherkins olive olives
    nuts almonds cashews walnuts pistachios peanuts seeds rice pasta spaghetti noodles flour
    sugar oats egg eggs milk yogurt yoghurt gelato sorbet ice-cream juice smoothie wine beer
    cider lemonade soda salmon fillet steak sausage ham bacon chicken matcha powder latte
    teabag teabags espresso saucer album
    plant houseplant succulent cactus cacti bonsai tree orchid lily rose flower bouquet posy
    stem stems sunflower tulip daffodil peony hydrangea ranunculus daisy carnation fern palm
    monstera pothos ficus aloe lavender eucalyptus seedling sapling shrub bush ivy bulb bulbs
    terrarium
    throw blanket towel washcloth flannel scarf shawl stole snood pillowcase bedspread
    comforter coverlet swaddle muslin plushie plushy softie stuffie bathrobe dressing-gown
    potholder runner
    """.split()
)

# Words that, right before the noun, name what kind of it the product is ("running shoes").
_MODIFIERS = frozenset(
    """
    running hiking walking tennis basketball football soccer golf dress ankle chelsea combat
    rain snow ski
    coffee tea water wine beer cocktail espresso travel kitchen dining coffee-table side
    desk floor wall table ceiling pendant bedside reading
    stand hand air rice slow pressure dutch mixing cutting serving salad soup chef's chef
    bread steak paring butter pepper salt spice
    charm hoop stud drop tennis signet engagement wedding chain pearl locket
    crossbody shoulder messenger laptop camera gym beach duffel tote
    phone tablet gaming ballpoint fountain
    fire police racing toy teddy jigsaw building
    baseball bucket sun
    dog cat pet bath hand beach yoga
    swim sports puffer trench bomber
    paper lunch storage gift stacking power piggy tank doll vacuum steam
    dinosaur hair screen building scratching baking casserole
    """.split()
)

_COLOURS = {
    "black": "black",
    "white": "white",
    "red": "red",
    "blue": "blue",
    "green": "green",
    "yellow": "yellow",
    "orange": "orange",
    "purple": "purple",
    "pink": "pink",
    "brown": "brown",
    "grey": "grey",
    "gray": "grey",
    "beige": "beige",
    "navy": "navy blue",
    "gold": "gold",
    "golden": "gold",
    "silver": "silver",
    "cream": "cream",
    "ivory": "ivory",
    "tan": "tan",
    "khaki": "khaki",
    "burgundy": "burgundy",
    "maroon": "burgundy",
    "teal": "teal",
    "turquoise": "turquoise",
    "olive": "olive",
    "charcoal": "grey",
    "graphite": "grey",
    "slate": "grey",
    "cerise": "red",
    "crimson": "red",
    "scarlet": "red",
    "lilac": "lilac",
    "lavender": "lavender",
    "mint": "mint green",
    # Glossary: German, French, Spanish, Italian (accents are stripped before lookup).
    "schwarz": "black",
    "weiss": "white",
    "rot": "red",
    "blau": "blue",
    "grun": "green",
    "gelb": "yellow",
    "noir": "black",
    "noire": "black",
    "blanc": "white",
    "blanche": "white",
    "rouge": "red",
    "bleu": "blue",
    "bleue": "blue",
    "vert": "green",
    "negro": "black",
    "negra": "black",
    "blanco": "white",
    "blanca": "white",
    "rojo": "red",
    "roja": "red",
    "azul": "blue",
    "verde": "green",
    "nero": "black",
    "nera": "black",
    "bianco": "white",
    "bianca": "white",
    "rosso": "red",
    "rossa": "red",
}
_SHADES = frozenset({"light", "dark", "pale", "bright", "deep"})

_MATERIALS = {
    "leather": "leather",
    "wooden": "wooden",
    "wood": "wooden",
    "oak": "oak",
    "walnut": "walnut",
    "bamboo": "bamboo",
    "cotton": "cotton",
    "linen": "linen",
    "wool": "wool",
    "woollen": "wool",
    "cashmere": "cashmere",
    "silk": "silk",
    "denim": "denim",
    "suede": "suede",
    "velvet": "velvet",
    "canvas": "canvas",
    "glass": "glass",
    "ceramic": "ceramic",
    "porcelain": "porcelain",
    "stoneware": "stoneware",
    "steel": "steel",
    "aluminium": "aluminium",
    "aluminum": "aluminium",
    "copper": "copper",
    "brass": "brass",
    "marble": "marble",
    "plastic": "plastic",
    "silicone": "silicone",
    "rattan": "rattan",
    "wicker": "wicker",
    "crystal": "crystal",
    "enamel": "enamel",
    "fleece": "fleece",
    "leder": "leather",
    "holz": "wooden",
    "porzellan": "porcelain",
    "baumwolle": "cotton",
    "cuir": "leather",
    "lin": "linen",
    "bois": "wooden",
    "coton": "cotton",
    "cuero": "leather",
    "madera": "wooden",
    "ceramica": "ceramic",
    "algodon": "cotton",
    "pelle": "leather",
    "legno": "wooden",
}
# Two-word materials, matched before single words ("stainless steel" is one attribute).
_MATERIAL_PHRASES = {
    ("stainless", "steel"): "stainless steel",
    ("cast", "iron"): "cast iron",
    ("sterling", "silver"): "silver",
    ("white", "gold"): "white gold",
    ("yellow", "gold"): "gold",
    ("faux", "leather"): "faux leather",
    ("vegan", "leather"): "vegan leather",
}
_COLOUR_PHRASES = {("rose", "gold"): "rose gold", ("off", "white"): "white"}

# Non-English product nouns -> English noun phrase (used as the whole phrase).
_GLOSSARY_NOUNS = {
    "schuhe": "shoes",
    "laufschuhe": "running shoes",
    "turnschuhe": "sneakers",
    "stiefel": "boots",
    "kleid": "dress",
    "hose": "trousers",
    "jacke": "jacket",
    "tasche": "bag",
    "handtasche": "handbag",
    "rucksack": "backpack",
    "uhr": "watch",
    "armbanduhr": "watch",
    "tasse": "mug",
    "kaffeetasse": "coffee mug",
    "lampe": "lamp",
    "stuhl": "chair",
    "tisch": "table",
    "chaussures": "shoes",
    "baskets": "sneakers",
    "robe": "dress",
    "sac": "bag",
    "montre": "watch",
    "collier": "necklace",
    "bague": "ring",
    "chaise": "chair",
    "zapatillas": "sneakers",
    "zapatos": "shoes",
    "camiseta": "t-shirt",
    "vestido": "dress",
    "bolso": "bag",
    "reloj": "watch",
    "taza": "mug",
    "silla": "chair",
    "mochila": "backpack",
    "borsa": "bag",
    "scarpe": "shoes",
    "orologio": "watch",
    "collana": "necklace",
    "sedia": "chair",
    "chemise": "shirt",
    "winterjacke": "jacket",
    "vaqueros": "jeans",
    "pantalones": "trousers",
    "maglione": "sweater",
    "parfum": "perfume",
    "creme": "cream",
    "champu": "shampoo",
    "teekanne": "teapot",
    "cafetera": "coffee maker",
    "auriculares": "headphones",
    "maus": "mouse",
    "pendientes": "earrings",
    "orecchini": "earrings",
    "peluche": "soft toy",
    "lapin": "rabbit",
    "muneca": "doll",
    "cuscino": "cushion",
    "eisenbahn": "train",
    "holzeisenbahn": "wooden train",
    "kette": "necklace",
    "ohrringe": "earrings",
    "kissen": "cushion",
    "decke": "blanket",
    "bougie": "candle",
    "coussin": "cushion",
    "vela": "candle",
    "candela": "candle",
    "giacca": "jacket",
    "chaqueta": "jacket",
    "veste": "jacket",
    "pull": "sweater",
    "kanne": "jug",
}
# German writes compounds as one word ("Winterjacke"): these endings name the product.
_GLOSSARY_SUFFIXES = ("jacke", "schuhe", "tasche", "tasse", "lampe", "eisenbahn", "kanne")

# Multi-word product names, read as one noun ("french press" is not a kind of press).
_COMPOUNDS = frozenset(
    """
    french press|coffee maker|espresso machine|ice cream maker|hair dryer|frying pan|
    cutting board|chopping board|board game|rocking horse|play kitchen|dolls house|doll house|
    scratching post|lunch box|jewellery box|jewelry box|paint set|gift card|bath bomb|
    nail polish|salad servers|charging pad|ring light|screen protector|hot sauce|olive oil|
    baking mat|cushion cover|duvet cover|pillow case|pillowcase|pendant light|beanie hat|
    ballet flats|tote bag|water bottle|sleeping bag|tea towel|oven mitt|phone case|
    gift box|gift set|gift bag|storage bag|teddy bear|soft toy|stacking rings|fairy lights|
    string lights|face mask|lip balm|body lotion|shower gel|hand cream|face cream|
    toothbrush holder|picture frame|photo frame|wine rack|spice rack|coat rack|tea set|
    dinner set|cake stand|salt and pepper shaker|bath robe|tea bag|tea bags|coffee beans|
    soft toy|pain au chocolat|sea salt|
    bonsai tree|bird feeder|plant pot|flower pot|watering can|door stop|
    pencil case|lunch bag|gym bag|yoga mat|yoga block|baby carrier|play mat|
    building blocks|building tiles|action figure|pin badge|enamel pin
    """.split("|")
)
_COMPOUNDS = frozenset(" ".join(c.split()) for c in _COMPOUNDS)
# Packaging that names a product only when the title names nothing else ("Kraft Gift Box").
_PACKAGING = frozenset({"gift box", "gift set", "gift bag", "storage bag"})
# Nouns that group or describe parts of the product: they are the subject only when the
# title names no other product ("Watch Black Leather Strap" is a watch; "Watch Strap" is a
# strap): grouping words always yield to an earlier noun, part words when they are not
# right after it, colour-like nouns ("Kettle Cream") always.
_GROUPING = frozenset(
    "set sets pack packs kit bundle pair pairs trio duo collection piece pieces pcs".split()
)
_PARTS = frozenset(
    """strap straps band bands frame frames plate plates sleeve sleeves lid lids handle
    handles shade shades base bases leg legs hood pocket pockets buckle nib key keys switch
    switches track film films accessory accessories case cover stand holder chain jar tin
    bottle box bag""".split()
)
_COLOUR_NOUNS = frozenset({"cream", "olive", "charcoal", "tan", "light", "honey", "chocolate"})
# Whole non-English phrases -> English product name.
_GLOSSARY_PHRASES = {
    "planche a decouper": "cutting board",
    "eau de parfum": "perfume",
    "eau de toilette": "perfume",
    "cafetera italiana": "coffee maker",
}

# Product lines that name their kind ("iPhone" is a phone): translated, not dropped.
_BRANDED_NOUNS = {
    "iphone": "phone",
    "ipad": "tablet",
    "macbook": "laptop",
    "chromebook": "laptop",
    "airpods": "earbuds",
    "kindle": "e-reader",
    "playstation": "game console",
    "xbox": "game console",
    "thermos": "flask",
}

_SYNONYMS = {"tee": "t-shirt", "tees": "t-shirts", "tshirt": "t-shirt", "tshirts": "t-shirts"}

# Brands that contain colour or product words; removed before tokenising.
_BRAND_PHRASES = (
    "black+decker",
    "black & decker",
    "black and decker",
    "the north face",
    "red wing",
    "blue yeti",
    "black diamond",
    "green toys",
    "melissa & doug",
    "melissa and doug",
    "crate & barrel",
    "crate and barrel",
    "marks & spencer",
    "johnson & johnson",
    "dolce & gabbana",
    "abercrombie & fitch",
    "le creuset",
    "hydro flask",
    "apple watch",
    "earl grey",
)
# Packaging and marketing phrases that look like products ("gift box").
_DROP_PHRASES = ("gift wrapped", "in a box", "perfect gift", "best seller", "bestseller")

# A clause after these is an accessory or the thing it fits, not the subject.
_CUT_WORDS = frozenset(
    """with w/ for fits compatible including incl includes featuring by from in
    para pour fur per mit avec con""".split()
)
_AND_WORDS = frozenset({"and", "&", "+", "und", "et", "y", "e"})
_BOOK_WORDS = frozenset(
    {"book", "books", "paperback", "hardcover", "hardback", "novel", "novels", "fiction"}
)
# Accessory heads get the noun of their "for" clause: "Case for iPhone" -> "phone case".
_ACCESSORY_HEADS = frozenset(
    {
        "case",
        "cover",
        "stand",
        "holder",
        "charger",
        "strap",
        "band",
        "mount",
        "protector",
        "sleeve",
        "bed",
        "collar",
        "leash",
        "harness",
        "bowl",
    }
)

# Generic heads that yield to a more specific noun earlier in the same phrase.
_WEAK_HEADS = frozenset({"toy"})

_SEGMENT_SPLIT = re.compile(r"\s[-–—]\s|:\s|[|,;()\[\]{}]|\s/\s")
_TOKEN = re.compile(r"[a-z0-9_]+(?:['’+\-][a-z0-9_]+)*|&|\+|w/")


def prompts_from_title(title: str, description: str = "", category: str = "") -> list[str]:
    """One or more short prompts naming the product in ``title``; never empty.

    >>> prompts_from_title("Nike Air Zoom Pegasus 40 Men's Running Shoes - Size 10, Black")
    ['black running shoes']
    """
    if _is_book(title, category):
        return ["book"]
    for text in (title, _last_category(category), _first_sentence(description)):
        prompts = _prompts_from_text(text)
        if prompts:
            return prompts
    return [FALLBACK_PROMPT]


# "Several things" in a title: counts ("set of 2", "3-pack", "x4", "12pc"), groups ("pair",
# "bundle"), and these plurals of one object (a pair of jeans is one piece in the photo).
# A kit or bundle gathers different things.
_MIXED = re.compile(r"\b(?:kit|bundle)\b")
_SEVERAL = re.compile(
    r"\b(?:set|pack|pair|box|bag|bunch|tray|bundle|case) of\b|\b\d+\s*-?\s*(?:pack|pk|pcs?|"
    r"pieces?|count|ct|pairs?)\b|\b(?:pairs?|bundle|trio|duo|twin|multipack|kit|"
    r"set|sets)\b|\b\d+\s*x\s*\d+\s*(?:ml|cl|l|g|kg|oz)\b|(?<![\d.])\b\d+\s*x(?!\s*\d)|\bx\s*\d+\b(?!\s*(?:cm|mm|m|in|\d))"
)
_ONE_PIECE_PLURALS = frozenset(
    """jeans trousers pants shorts leggings joggers tights pyjamas pajamas overalls briefs
    boxers trunks glasses sunglasses goggles headphones scissors pliers tongs binoculars
    dungarees""".split()
)


def subject_of(title: str) -> str:
    """What ``title`` says the photo shows, for the leftover rule (``leftovers.keep_product``):

    - ``ONE`` product ("Kraft Gift Box, Large", "Levi's 501 Jeans");
    - ``ALIKE`` pieces of one kind, which look like each other ("Set of 2 Mugs", "3-Pack",
      "Running Shoes", "Wireless Earbuds with Charging Case");
    - ``ANY`` number of different things, which may look nothing alike ("Cup and Saucer",
      "Salt and Pepper Shaker Set", "Phone with Stand", "Bundle: Kettle + Toaster"). No title
      says nothing either: every blob the model sees stays.

    >>> subject_of("Kraft Gift Box, Large"), subject_of("Set of 2 Mugs")
    ('one', 'alike')
    """
    if not title.strip():
        return ANY
    text = _normalise(title)
    subject = subject_in(_prompts_from_text(title))
    if subject == ANY or _MIXED.search(text):
        return ANY
    if subject == ALIKE or _SEVERAL.search(text):
        return ALIKE
    # "with <a thing>": an accessory in the photo ("with Case"), not a feature ("with Rosemary").
    for segment in _SEGMENT_SPLIT.split(text):
        tokens = _tokens(segment)
        for i, tok in enumerate(tokens[:-1]):
            if tok in ("with", "w/", "plus") and any(_is_noun(t) for t in tokens[i + 1 :]):
                return ANY
    return ONE


def subject_in(prompts: list[str] | None) -> str:
    """:func:`subject_of` read from prompts alone (a seller's): more than one ("cup",
    "saucer") or one naming two ("salt and pepper shaker") is ``ANY``; a plural of separate
    pieces ("mugs"; not "jeans") ``ALIKE``; else ``ONE``."""
    if not prompts:
        return ONE
    if len(prompts) > 1 or any(" and " in p for p in prompts):
        return ANY
    head = prompts[0].split()[-1] if prompts[0].split() else ""
    plural = head not in _ONE_PIECE_PLURALS and _singular(head) != head
    return ALIKE if plural else ONE


def _prompts_from_text(text: str) -> list[str]:
    segments = [_tokens(s) for s in _SEGMENT_SPLIT.split(_normalise(text))]
    segments = [s for s in segments if s]
    # Attributes of the whole title serve parts that name none ("- Size 10, Black").
    title_colour = next((c for s in segments if (c := _colour(s))), None)
    title_material = next((m for s in segments if (m := _material(s))), None)
    for segment in segments:
        main, tail = _cut(segment)
        prompts: list[str] = []
        for part in _split_and(main):
            phrase = _noun_phrase(part, tail)
            if phrase is None:
                continue
            colour = _colour(part) or title_colour
            material = _material(part) or title_material
            words = [w for w in (colour, material) if w and w not in phrase]
            if colour and material and colour == material:
                words = [colour]
            prompt = " ".join([*words, phrase])
            if prompt not in prompts:
                prompts.append(prompt)
        if prompts:
            return prompts[:MAX_PROMPTS]
    return []


def _normalise(text: str) -> str:
    # casefold turns "ß" into "ss"; NFKD + dropping marks turns "cerámica" into "ceramica".
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("_", " ")  # "_" joins multi-word names below
    for phrase in (*_BRAND_PHRASES, *_DROP_PHRASES):
        text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", text)
    for phrase, name in _GLOSSARY_PHRASES.items():
        text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", name, text)
    # A multi-word product name becomes one token ("french_press"); plurals too.
    for phrase in sorted(_COMPOUNDS, key=len, reverse=True):
        words = phrase.split()
        pattern = r"\s+".join(map(re.escape, words[:-1] + [words[-1]])) + r"(?:e?s)?"
        text = re.sub(rf"(?<!\w){pattern}(?!\w)", phrase.replace(" ", "_"), text)
    return text


def _tokens(segment: str) -> list[str]:
    tokens = []
    for tok in _TOKEN.findall(segment):
        tok = tok.removesuffix("-tone")  # "gold-tone" is a colour
        if tok.endswith("'s") and tok[:-2] in ("men", "women", "kid", "girl", "boy"):
            continue
        tokens.append(_SYNONYMS.get(tok, tok))
    return tokens


def _cut(tokens: list[str]) -> tuple[list[str], list[str]]:
    for i, tok in enumerate(tokens):
        if tok in _CUT_WORDS and i > 0:
            return tokens[:i], tokens[i + 1 :]
    return tokens, []


def _split_and(tokens: list[str]) -> list[list[str]]:
    parts, current = [], []
    for tok in tokens:
        if tok in _AND_WORDS:
            parts.append(current)
            current = []
        else:
            current.append(tok)
    parts.append(current)
    return [p for p in parts if p]


def _noun_phrase(part: list[str], tail: list[str]) -> str | None:
    """The product named by ``part``: a multi-word product name if there is one, else the
    head noun (the last noun that is not a grouping word, a part of an earlier noun or a
    colour), with at most one compound modifier."""
    for tok in part:
        if "_" in tok and tok.replace("_", " ") not in _PACKAGING:
            return tok.replace("_", " ")
    for i in range(len(part) - 1, -1, -1):
        tok = part[i]
        translated = _glossary(tok)
        if translated:
            return translated
        if tok in _BRANDED_NOUNS:
            return _BRANDED_NOUNS[tok]
        if not _is_noun(tok) or _in_attribute_phrase(part, i):
            continue  # the "iron" of "cast iron" is a material, not the product
        if tok in _SHADES and i + 1 < len(part):
            continue  # "Light Wash": a shade
        earlier = [j for j in range(i) if _is_noun(part[j]) and not _is_attribute(part, j)]
        if earlier and _yields(part, i, earlier):
            continue
        if _singular(tok) in _WEAK_HEADS and any(_is_noun(t) for t in part[:i]):
            continue  # "Fire Truck Building Toy": the truck is what the photo shows
        prev = part[i - 1] if i > 0 else ""
        name = tok.replace("_", " ")
        if prev in _MODIFIERS and not _is_attribute(part, i - 1):
            return f"{prev} {name}"
        if earlier and earlier[-1] == i - 1 and (tok in _PARTS or _singular(tok) in _PARTS):
            return f"{prev} {name}"  # "Watch Strap", "Honey Jar": the accessory or container
        target = _target_noun(tail) if _singular(tok) in _ACCESSORY_HEADS else None
        return f"{target} {name}" if target else name
    return None


def _yields(part: list[str], i: int, earlier: list[int]) -> bool:
    """Whether noun ``part[i]`` gives way to an earlier noun of the same phrase."""
    tok = part[i]
    single = _singular(tok)
    if tok in _GROUPING or single in _COLOUR_NOUNS or tok.replace("_", " ") in _PACKAGING:
        return True
    part_word = tok in _PARTS or single in _PARTS
    return part_word and earlier[-1] != i - 1  # "Watch Black Leather Strap"


def _glossary(tok: str) -> str | None:
    if tok in _GLOSSARY_NOUNS:
        return _GLOSSARY_NOUNS[tok]
    for suffix in _GLOSSARY_SUFFIXES:
        if tok.endswith(suffix) and len(tok) > len(suffix) + 2:
            return _GLOSSARY_NOUNS[suffix]
    return None


def _target_noun(tail: list[str]) -> str | None:
    """The thing an accessory is for: "for iPhone 15" -> "phone", "for Dogs" -> "dog"."""
    for tok in tail:
        if tok in _BRANDED_NOUNS:
            return _BRANDED_NOUNS[tok]
        if tok in _MODIFIERS and _is_noun(tok):
            return _singular(tok)
        if tok in ("dogs", "cats", "pets", "laptops", "phones", "tablets"):
            return tok[:-1]
    return None


def _is_noun(tok: str) -> bool:
    return "_" in tok or tok in _NOUNS or _singular(tok) in _NOUNS


def _singular(tok: str) -> str:
    if tok.endswith("ies") and tok[:-1] in _NOUNS:
        return tok[:-1]  # "cookies", "pies"
    if tok.endswith("ies") and len(tok) > 4:
        return tok[:-3] + "y"
    if tok.endswith("ves") and tok[:-3] + "fe" in _NOUNS:
        return tok[:-3] + "fe"
    if tok.endswith("ves") and tok[:-3] + "f" in _NOUNS:
        return tok[:-3] + "f"
    if tok.endswith("es") and tok[:-2] in _NOUNS:
        return tok[:-2]
    if tok.endswith("s") and not tok.endswith("ss"):
        return tok[:-1]
    return tok


def _is_attribute(part: list[str], i: int) -> bool:
    """Whether ``part[i]`` is used as a colour/material (it is then said once, up front)."""
    tok = part[i]
    if tok in _COLOURS or tok in _MATERIALS:
        return True
    pair_next = (tok, part[i + 1]) if i + 1 < len(part) else None
    pair_prev = (part[i - 1], tok) if i > 0 else None
    phrases = {**_MATERIAL_PHRASES, **_COLOUR_PHRASES}
    return pair_next in phrases or pair_prev in phrases


def _in_attribute_phrase(part: list[str], i: int) -> bool:
    pairs = {**_MATERIAL_PHRASES, **_COLOUR_PHRASES}
    return (i > 0 and (part[i - 1], part[i]) in pairs) or (
        i + 1 < len(part) and (part[i], part[i + 1]) in pairs
    )


def _colour(tokens: list[str]) -> str | None:
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (tok, nxt) in _COLOUR_PHRASES:
            return _COLOUR_PHRASES[(tok, nxt)]
        if (tok, nxt) in _MATERIAL_PHRASES:
            continue  # "sterling silver" is the material, not a colour
        if tok in _COLOURS and (i == 0 or (tokens[i - 1], tok) not in _MATERIAL_PHRASES):
            shade = tokens[i - 1] if i > 0 and tokens[i - 1] in _SHADES else ""
            return f"{shade} {_COLOURS[tok]}".strip()
    return None


def _material(tokens: list[str]) -> str | None:
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if (tok, nxt) in _MATERIAL_PHRASES:
            return _MATERIAL_PHRASES[(tok, nxt)]
        if tok in _MATERIALS:
            return _MATERIALS[tok]
    return None


def _is_book(title: str, category: str) -> bool:
    title_tokens = set(_tokens(_normalise(title)))
    if title_tokens & {"paperback", "hardcover", "hardback"}:
        # ... unless it is stationery bound that way ("Dotted Journal Hardcover").
        return not title_tokens & {"notebook", "journal", "diary", "planner", "sketchbook"}
    last = _tokens(_normalise(_last_category(category)))
    return bool(last) and last[-1] in _BOOK_WORDS


def _last_category(category: str) -> str:
    # "Clothing > Women > Dresses": the leaf names the product.
    return re.split(r"\s*(?:>|/|»|\|)\s*", category.strip())[-1] if category else ""


def _first_sentence(description: str) -> str:
    return re.split(r"(?<=[.!?])\s", description.strip(), maxsplit=1)[0] if description else ""

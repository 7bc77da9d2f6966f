"""Which cut a product gets: its category and the spec's `subcategory` choose it.

A category has a default cut (what `dress` makes when the product names no subcategory, or
one this table does not know); a subcategory of the demo catalog
(``adapters/demo_catalog.json``) or of the spec picks a cut of its category. Subcategories are
matched case-insensitively, with spaces, hyphens and a plural ``s`` or ``es`` ignored
(``"T-Shirts"`` -> ``tshirt``, ``"Dresses"`` -> ``dress``).

===========  ===========  ==============================================================
category     cut          subcategories (demo catalog first)
===========  ===========  ==============================================================
tops         tee          (default) tops, tshirt, tee, tank
tops         shirt        shirts: long sleeves, turn-down collar, placket, 6 buttons
tops         blouse       blouse: scoop neck, long sleeves (to the wrist)
tops         sweater      knitwear, sweater, jumper, cardigan: long sleeves, crew neck
tops         hoodie       hoodie, sweatshirt: long sleeves, crew neck, hood lying down
bottoms      trousers     (default) jeans, chinos, trousers, pants
bottoms      shorts       shorts: 18 cm inseam
bottoms      skirt        skirt: A-line from the waist to above the knee
dresses      dress        (default) dress: bodice and A-line skirt above the knee
dresses      midi         midi, wrap: the skirt to mid-calf
dresses      bodycon      bodycon: slim, straight skirt above the knee
dresses      maxi         maxi: the skirt to the ankles
outerwear    coat         (default) coats, overcoat, parka: open front, lapels, mid-thigh
outerwear    jacket       jackets, bomber: open front, lapels, to the hip
outerwear    blazer       blazers: open front, lapels, to the top of the thigh
shoes        shoes        (default) sneakers, shoes, loafers, heels
shoes        boots        boots: collar 12 cm above the ankle
accessories  (guessed)    (default) the guide's keys: head -> hat, neck -> scarf, else belt
accessories  bag          bags: a crossbody bag at the hip, the strap over the shoulder
accessories  hat          hats, cap: crown and brim above the ears
accessories  scarf        scarves: wrapped round the neck, ends hanging in front
accessories  belt         belts
activewear   set          (default) tight top and leggings
activewear   leggings     leggings, tights
activewear   tight top    tops, bra
formal       suit         (default) blazers, suits: open jacket with lapels, and trousers
formal       gown         gowns: fitted bodice, skirt to the floor
===========  ===========  ==============================================================

Accessories the engine cannot yet shape (sunglasses, jewellery) fall back to the default.
"""

from __future__ import annotations

#: category -> its default cut
DEFAULT_CUTS: dict[str, str] = {
    "tops": "tee",
    "bottoms": "trousers",
    "dresses": "dress",
    "outerwear": "coat",
    "shoes": "shoes",
    "accessories": "guessed",
    "activewear": "set",
    "formal": "suit",
}

#: category -> {normalised subcategory: cut}
SUBCATEGORY_CUTS: dict[str, dict[str, str]] = {
    "tops": {
        "top": "tee",
        "tshirt": "tee",
        "tee": "tee",
        "tank": "tee",
        "shirt": "shirt",
        "blouse": "blouse",
        "knitwear": "sweater",
        "sweater": "sweater",
        "jumper": "sweater",
        "cardigan": "sweater",
        "hoodie": "hoodie",
        "sweatshirt": "hoodie",
    },
    "bottoms": {
        "jean": "trousers",
        "chino": "trousers",
        "trouser": "trousers",
        "pant": "trousers",
        "short": "shorts",
        "skirt": "skirt",
    },
    "dresses": {
        "dress": "dress",
        "midi": "midi",
        "wrap": "midi",
        "bodycon": "bodycon",
        "maxi": "maxi",
    },
    "outerwear": {
        "coat": "coat",
        "overcoat": "coat",
        "parka": "coat",
        "jacket": "jacket",
        "bomber": "jacket",
        "blazer": "blazer",
    },
    "shoes": {
        "sneaker": "shoes",
        "shoe": "shoes",
        "loafer": "shoes",
        "heel": "shoes",
        "boot": "boots",
    },
    "accessories": {
        "bag": "bag",
        "hat": "hat",
        "cap": "hat",
        "scarf": "scarf",
        "scarve": "scarf",
        "belt": "belt",
    },
    "activewear": {
        "legging": "leggings",
        "tight": "leggings",
        "top": "tight top",
        "bra": "tight top",
    },
    "formal": {
        "blazer": "suit",
        "suit": "suit",
        "gown": "gown",
    },
}


def normalise_subcategory(subcategory: str) -> str:
    """``"T-Shirts"`` -> ``"tshirts"``: lower case, letters and digits only."""
    return "".join(ch for ch in subcategory.lower() if ch.isalnum())


def cut_for(category: str, subcategory: str | None) -> str:
    """The cut of a product of `category` and `subcategory` (the category's default when the
    subcategory is missing or not in `SUBCATEGORY_CUTS`). The category must be known.

    The subcategory is looked up as written, then without a plural ``s``, then without ``es``
    (``dresses``, ``blouses``)."""
    default = DEFAULT_CUTS[category]
    if not subcategory:
        return default
    key = normalise_subcategory(subcategory)
    table = SUBCATEGORY_CUTS[category]
    for candidate in (key, key.removesuffix("s"), key.removesuffix("es")):
        if candidate in table:
            return table[candidate]
    return default

"""Demo catalog that ``tryon serve`` seeds into an empty store on first start.

``DEMO_PRODUCTS`` is plain data: each entry is exactly the JSON body of
``POST /v1/admin/products`` (a ``ProductDetail`` without id, rating, reviews and timestamps, in the
spec's camelCase), plus one extra key, ``reviews``: a list of ``{rating, title, comment, userName}``
that the seeder turns into seed reviews. The seeder must drop ``reviews`` from the body it posts.

Conventions:
- prices are numbers with at most two decimals in the product's ``currency`` (USD, a few EUR);
- ``sizing.sizeGuide`` holds body measurements in centimetres, keyed by the variant sizes;
  shoes are keyed by EU sizes and measured by ``footLength``; one-size accessories use
  ``{"ONE SIZE": {}}``;
- ``variants[].sku`` is unique across the whole catalog; a variant ``price`` overrides the product
  price; ``stock`` 0 means out of stock;
- the first product is the spec's example, "Premium Cotton T-Shirt" by FashionBrand.
"""

from __future__ import annotations

from typing import Any

_RETURNS_30 = "30-day return policy, items must be unworn with tags attached"
_RETURNS_14 = "14-day return policy, items must be unworn and in original packaging"
_RETURNS_EYEWEAR = "30-day return policy; sunglasses must be returned with protective film intact"

DEMO_PRODUCTS: list[dict[str, Any]] = [
    # ------------------------------------------------------------------------------------- tops
    {
        "name": "Premium Cotton T-Shirt",
        "description": "High-quality cotton blend t-shirt with modern fit",
        "detailedDescription": (
            "Made from premium organic cotton with sustainable production methods. The mid-weight "
            "180 gsm jersey keeps its shape wash after wash, and the taped shoulder seams and "
            "ribbed crew neck give it a clean, modern silhouette."
        ),
        "price": 49.99,
        "originalPrice": 69.99,
        "currency": "USD",
        "brand": "FashionBrand",
        "category": "tops",
        "subcategory": "shirts",
        "specifications": {
            "material": "100% Organic Cotton",
            "care": "Machine wash cold",
            "origin": "Made in Portugal",
            "fit": "Regular fit",
            "sleeve": "Short sleeve",
            "neck": "Crew neck",
        },
        "sizing": {
            "fit": "regular",
            "sizeGuide": {
                "XS": {"chest": 86.4, "waist": 71.1, "shoulder": 40.6, "sleeve": 61.0},
                "S": {"chest": 91.4, "waist": 76.2, "shoulder": 43.2, "sleeve": 63.5},
                "M": {"chest": 96.5, "waist": 81.3, "shoulder": 45.7, "sleeve": 66.0},
                "L": {"chest": 101.6, "waist": 86.4, "shoulder": 48.3, "sleeve": 68.6},
                "XL": {"chest": 106.7, "waist": 91.4, "shoulder": 50.8, "sleeve": 71.1},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/premium-cotton-t-shirt_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/premium-cotton-t-shirt_back.jpg",
                "type": "back",
                "resolution": "high",
            },
        ],
        "model3D": {
            "url": "https://cdn.tryon.example/models/premium-cotton-t-shirt.glb",
            "format": "glb",
            "size": "8.2MB",
            "polycount": 8450,
        },
        "tryonAvailable": True,
        "tags": ["cotton", "casual", "summer"],
        "material": "100% Organic Cotton",
        "careInstructions": "Machine wash cold, tumble dry low, iron low",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 0.2,
            "dimensions": {"length": 30, "width": 25, "height": 2},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "S",
                "color": "blue",
                "colorHex": "#2563EB",
                "stock": 18,
                "sku": "TSH-001-S-BLU",
            },
            {
                "size": "M",
                "color": "blue",
                "colorHex": "#2563EB",
                "stock": 25,
                "sku": "TSH-001-M-BLU",
                "price": 49.99,
            },
            {
                "size": "L",
                "color": "blue",
                "colorHex": "#2563EB",
                "stock": 12,
                "sku": "TSH-001-L-BLU",
            },
            {
                "size": "M",
                "color": "white",
                "colorHex": "#FFFFFF",
                "stock": 30,
                "sku": "TSH-001-M-WHT",
            },
            {
                "size": "L",
                "color": "black",
                "colorHex": "#111827",
                "stock": 0,
                "sku": "TSH-001-L-BLK",
            },
            {
                "size": "XL",
                "color": "black",
                "colorHex": "#111827",
                "stock": 7,
                "sku": "TSH-001-XL-BLK",
                "price": 54.99,
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Great quality!",
                "comment": (
                    "This shirt is amazing quality and fits perfectly. "
                    "The fabric is soft and breathable."
                ),
                "userName": "Fashion Lover",
            },
            {
                "rating": 4,
                "title": "Soft and true to size",
                "comment": "Washed it five times, no shrinking. Slightly long in the body for me.",
                "userName": "Daniel K.",
            },
            {
                "rating": 4,
                "title": "Good everyday tee",
                "comment": "Nice weight, not see-through. The blue is brighter than pictured.",
                "userName": "Priya S.",
            },
        ],
    },
    {
        "name": "Linen Button-Down Shirt",
        "description": "Breezy washed-linen shirt with a relaxed cut and button-down collar",
        "detailedDescription": (
            "Cut from European flax linen that is stone-washed for a soft, lived-in hand. "
            "A relaxed body, curved hem and mother-of-pearl buttons make it equally at home "
            "tucked into trousers or worn open over a tee."
        ),
        "price": 79.00,
        "currency": "EUR",
        "brand": "Harbor & Pine",
        "category": "tops",
        "subcategory": "shirts",
        "specifications": {
            "material": "100% Linen",
            "origin": "Made in Lithuania",
            "fit": "Relaxed fit",
            "sleeve": "Long sleeve",
            "collar": "Button-down",
        },
        "sizing": {
            "fit": "relaxed",
            "sizeGuide": {
                "S": {"chest": 92, "waist": 80, "shoulder": 44, "sleeve": 62},
                "M": {"chest": 98, "waist": 86, "shoulder": 46, "sleeve": 64},
                "L": {"chest": 104, "waist": 92, "shoulder": 48, "sleeve": 65},
                "XL": {"chest": 110, "waist": 98, "shoulder": 50, "sleeve": 66},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/linen-button-down-shirt_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/linen-button-down-shirt_detail.jpg",
                "type": "detail",
                "resolution": "medium",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["linen", "summer", "smart-casual"],
        "material": "100% Linen",
        "careInstructions": "Machine wash 30°C, line dry, iron while damp",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 0.3,
            "dimensions": {"length": 32, "width": 26, "height": 3},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "S",
                "color": "sand",
                "colorHex": "#D6C7A1",
                "stock": 9,
                "sku": "SHT-002-S-SND",
            },
            {
                "size": "M",
                "color": "sand",
                "colorHex": "#D6C7A1",
                "stock": 14,
                "sku": "SHT-002-M-SND",
            },
            {
                "size": "L",
                "color": "sand",
                "colorHex": "#D6C7A1",
                "stock": 0,
                "sku": "SHT-002-L-SND",
            },
            {
                "size": "M",
                "color": "sky blue",
                "colorHex": "#7DB4E6",
                "stock": 11,
                "sku": "SHT-002-M-SKY",
            },
            {
                "size": "XL",
                "color": "sky blue",
                "colorHex": "#7DB4E6",
                "stock": 4,
                "sku": "SHT-002-XL-SKY",
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Perfect holiday shirt",
                "comment": "Light, airy and gets softer every wash. Exactly what I wanted.",
                "userName": "Marco B.",
            },
            {
                "rating": 3,
                "title": "Wrinkles a lot",
                "comment": "Lovely fabric but expect the linen look. Runs a touch large.",
                "userName": "Helen W.",
            },
        ],
    },
    {
        "name": "Merino Crewneck Sweater",
        "description": "Fine-gauge extra-fine merino sweater that layers without bulk",
        "detailedDescription": (
            "Knitted on 14-gauge machines from 18.5-micron mulesing-free merino. Temperature "
            "regulating and naturally odour resistant, it is slim enough to wear under a blazer "
            "yet warm enough on its own on a crisp autumn day."
        ),
        "price": 119.00,
        "originalPrice": 139.00,
        "currency": "USD",
        "brand": "Northloom",
        "category": "tops",
        "subcategory": "knitwear",
        "specifications": {
            "material": "100% Extra-fine Merino Wool",
            "gauge": "14GG",
            "origin": "Made in Italy",
            "fit": "Slim fit",
            "neck": "Crew neck",
        },
        "sizing": {
            "fit": "slim",
            "sizeGuide": {
                "S": {"chest": 90, "waist": 78, "shoulder": 43, "sleeve": 63},
                "M": {"chest": 96, "waist": 84, "shoulder": 45, "sleeve": 64},
                "L": {"chest": 102, "waist": 90, "shoulder": 47, "sleeve": 65},
                "XL": {"chest": 108, "waist": 96, "shoulder": 49, "sleeve": 66},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/merino-crewneck-sweater_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/merino-crewneck-sweater_back.jpg",
                "type": "back",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/merino-crewneck-sweater_lifestyle.jpg",
                "type": "lifestyle",
                "resolution": "4k",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["wool", "merino", "autumn", "layering"],
        "material": "100% Extra-fine Merino Wool",
        "careInstructions": "Hand wash cold or wool cycle, dry flat, do not tumble dry",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 0.35,
            "dimensions": {"length": 32, "width": 26, "height": 5},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "S",
                "color": "charcoal",
                "colorHex": "#36454F",
                "stock": 6,
                "sku": "SWT-003-S-CHR",
            },
            {
                "size": "M",
                "color": "charcoal",
                "colorHex": "#36454F",
                "stock": 15,
                "sku": "SWT-003-M-CHR",
            },
            {
                "size": "L",
                "color": "charcoal",
                "colorHex": "#36454F",
                "stock": 10,
                "sku": "SWT-003-L-CHR",
            },
            {
                "size": "M",
                "color": "forest green",
                "colorHex": "#228B22",
                "stock": 3,
                "sku": "SWT-003-M-GRN",
            },
            {
                "size": "L",
                "color": "camel",
                "colorHex": "#C19A6B",
                "stock": 0,
                "sku": "SWT-003-L-CML",
            },
            {
                "size": "XL",
                "color": "camel",
                "colorHex": "#C19A6B",
                "stock": 5,
                "sku": "SWT-003-XL-CML",
                "price": 129.00,
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Not itchy at all",
                "comment": "I normally can't wear wool but this is fine directly on skin.",
                "userName": "Sofia R.",
            },
            {
                "rating": 4,
                "title": "Slim indeed",
                "comment": "Fits close to the body, size up if you like room.",
                "userName": "Tom H.",
            },
        ],
    },
    # ---------------------------------------------------------------------------------- bottoms
    {
        "name": "Slim Stretch Chinos",
        "description": "Everyday cotton-stretch chinos with a tapered leg",
        "detailedDescription": (
            "Garment-dyed twill with 2% elastane for all-day comfort. A mid rise, slim thigh "
            "and tapered leg give a sharp line, and the hidden coin pocket and bar-tacked belt "
            "loops are built to last."
        ),
        "price": 64.50,
        "originalPrice": 79.00,
        "currency": "USD",
        "brand": "Cobalt Row",
        "category": "bottoms",
        "subcategory": "chinos",
        "specifications": {
            "material": "98% Cotton, 2% Elastane",
            "rise": "Mid rise",
            "leg": "Tapered",
            "closure": "Zip fly with button",
            "origin": "Made in Türkiye",
        },
        "sizing": {
            "fit": "slim",
            "sizeGuide": {
                "30": {"waist": 76, "hips": 94, "inseam": 81},
                "32": {"waist": 81, "hips": 99, "inseam": 81},
                "34": {"waist": 86, "hips": 104, "inseam": 81},
                "36": {"waist": 91, "hips": 109, "inseam": 84},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/slim-stretch-chinos_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/slim-stretch-chinos_side.jpg",
                "type": "side",
                "resolution": "medium",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["cotton", "stretch", "workwear", "smart-casual"],
        "material": "98% Cotton, 2% Elastane",
        "careInstructions": "Machine wash cold inside out, tumble dry low",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 0.55,
            "dimensions": {"length": 35, "width": 28, "height": 4},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "30",
                "color": "khaki",
                "colorHex": "#C3B091",
                "stock": 8,
                "sku": "CHN-004-30-KHK",
            },
            {
                "size": "32",
                "color": "khaki",
                "colorHex": "#C3B091",
                "stock": 20,
                "sku": "CHN-004-32-KHK",
            },
            {
                "size": "34",
                "color": "khaki",
                "colorHex": "#C3B091",
                "stock": 16,
                "sku": "CHN-004-34-KHK",
            },
            {
                "size": "32",
                "color": "navy",
                "colorHex": "#1F2A44",
                "stock": 0,
                "sku": "CHN-004-32-NVY",
            },
            {
                "size": "34",
                "color": "navy",
                "colorHex": "#1F2A44",
                "stock": 9,
                "sku": "CHN-004-34-NVY",
            },
            {
                "size": "36",
                "color": "olive",
                "colorHex": "#6B7A3A",
                "stock": 5,
                "sku": "CHN-004-36-OLV",
            },
        ],
        "reviews": [
            {
                "rating": 4,
                "title": "Comfortable all day",
                "comment": "The stretch makes a real difference on long commutes.",
                "userName": "James O.",
            },
        ],
    },
    {
        "name": "Relaxed Selvedge Jeans",
        "description": "Raw 13.5 oz Japanese selvedge denim in a roomy straight leg",
        "detailedDescription": (
            "Woven on vintage shuttle looms in Okayama, this unsanforized rigid denim "
            "fades beautifully with wear. A relaxed seat and thigh, straight leg and "
            "chain-stitched hem give a workwear-inspired silhouette."
        ),
        "price": 148.00,
        "currency": "USD",
        "brand": "Indigo Foundry",
        "category": "bottoms",
        "subcategory": "jeans",
        "specifications": {
            "material": "100% Cotton Selvedge Denim",
            "weight": "13.5 oz",
            "rise": "Mid rise",
            "leg": "Straight",
            "closure": "Button fly",
            "origin": "Denim from Japan, sewn in USA",
        },
        "sizing": {
            "fit": "relaxed",
            "sizeGuide": {
                "30": {"waist": 77, "hips": 98, "inseam": 86},
                "32": {"waist": 82, "hips": 103, "inseam": 86},
                "34": {"waist": 87, "hips": 108, "inseam": 86},
                "36": {"waist": 92, "hips": 113, "inseam": 86},
                "38": {"waist": 97, "hips": 118, "inseam": 86},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/relaxed-selvedge-jeans_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/relaxed-selvedge-jeans_back.jpg",
                "type": "back",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/relaxed-selvedge-jeans_detail.jpg",
                "type": "detail",
                "resolution": "4k",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["denim", "selvedge", "raw", "workwear"],
        "material": "100% Cotton Selvedge Denim",
        "careInstructions": "Wash rarely, inside out in cold water, hang dry",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 0.9,
            "dimensions": {"length": 38, "width": 30, "height": 6},
            "freeShippingThreshold": 100.00,
        },
        "variants": [
            {
                "size": "30",
                "color": "raw indigo",
                "colorHex": "#1B2A4A",
                "stock": 4,
                "sku": "JNS-005-30-IND",
            },
            {
                "size": "32",
                "color": "raw indigo",
                "colorHex": "#1B2A4A",
                "stock": 12,
                "sku": "JNS-005-32-IND",
            },
            {
                "size": "34",
                "color": "raw indigo",
                "colorHex": "#1B2A4A",
                "stock": 10,
                "sku": "JNS-005-34-IND",
            },
            {
                "size": "36",
                "color": "raw indigo",
                "colorHex": "#1B2A4A",
                "stock": 0,
                "sku": "JNS-005-36-IND",
            },
            {
                "size": "32",
                "color": "black",
                "colorHex": "#1A1A1A",
                "stock": 7,
                "sku": "JNS-005-32-BLK",
                "price": 158.00,
            },
            {
                "size": "38",
                "color": "black",
                "colorHex": "#1A1A1A",
                "stock": 2,
                "sku": "JNS-005-38-BLK",
                "price": 158.00,
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Proper denim",
                "comment": "Stiff at first, broke in after two weeks. Fades are coming in nicely.",
                "userName": "Kenji T.",
            },
            {
                "rating": 5,
                "title": "Roomy in the right places",
                "comment": "Finally jeans that fit my thighs without being baggy at the ankle.",
                "userName": "Lucas M.",
            },
            {
                "rating": 3,
                "title": "Indigo transfer",
                "comment": "Great fit but it dyed my white sneakers blue. Be warned.",
                "userName": "Ava P.",
            },
        ],
    },
    # ---------------------------------------------------------------------------------- dresses
    {
        "name": "Floral Wrap Midi Dress",
        "description": "Flowing viscose wrap dress with a self-tie waist and flutter sleeves",
        "detailedDescription": (
            "A true wrap silhouette in a fluid viscose crepe printed with a hand-painted floral. "
            "The adjustable tie waist flatters a range of shapes, and the midi length falls "
            "just below the knee with a gentle flare."
        ),
        "price": 89.90,
        "originalPrice": 119.00,
        "currency": "EUR",
        "brand": "Maison Verité",
        "category": "dresses",
        "subcategory": "midi",
        "specifications": {
            "material": "100% LENZING™ ECOVERO™ Viscose",
            "neckline": "V-neck",
            "sleeve": "Flutter sleeve",
            "length": "Midi",
            "closure": "Wrap with tie",
            "origin": "Made in Portugal",
        },
        "sizing": {
            "fit": "regular",
            "sizeGuide": {
                "XS": {"chest": 80, "waist": 62, "hips": 88, "length": 112},
                "S": {"chest": 84, "waist": 66, "hips": 92, "length": 114},
                "M": {"chest": 88, "waist": 70, "hips": 96, "length": 116},
                "L": {"chest": 94, "waist": 76, "hips": 102, "length": 118},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/floral-wrap-midi-dress_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/floral-wrap-midi-dress_lifestyle.jpg",
                "type": "lifestyle",
                "resolution": "high",
            },
        ],
        "model3D": {
            "url": "https://cdn.tryon.example/models/floral-wrap-midi-dress.glb",
            "format": "glb",
            "size": "11.6MB",
            "polycount": 12840,
        },
        "tryonAvailable": True,
        "tags": ["floral", "wrap", "summer", "viscose"],
        "material": "100% Viscose",
        "careInstructions": "Hand wash cold, do not wring, line dry in shade, cool iron",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 0.4,
            "dimensions": {"length": 34, "width": 26, "height": 4},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "XS",
                "color": "rose print",
                "colorHex": "#E8A0B4",
                "stock": 5,
                "sku": "DRS-006-XS-RSE",
            },
            {
                "size": "S",
                "color": "rose print",
                "colorHex": "#E8A0B4",
                "stock": 13,
                "sku": "DRS-006-S-RSE",
            },
            {
                "size": "M",
                "color": "rose print",
                "colorHex": "#E8A0B4",
                "stock": 8,
                "sku": "DRS-006-M-RSE",
            },
            {
                "size": "S",
                "color": "midnight print",
                "colorHex": "#1E2A5A",
                "stock": 0,
                "sku": "DRS-006-S-MID",
            },
            {
                "size": "L",
                "color": "midnight print",
                "colorHex": "#1E2A5A",
                "stock": 6,
                "sku": "DRS-006-L-MID",
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Wore it to a wedding",
                "comment": "So many compliments. The wrap stays put and doesn't gape.",
                "userName": "Claire D.",
            },
            {
                "rating": 4,
                "title": "Beautiful print",
                "comment": "Length is perfect at 168 cm. Fabric creases a little when sitting.",
                "userName": "Noor A.",
            },
            {
                "rating": 4,
                "title": "Lovely summer dress",
                "comment": "Light and flowy. I sized down as it is generous.",
                "userName": "Emma L.",
            },
        ],
    },
    {
        "name": "Ribbed Knit Bodycon Dress",
        "description": "Figure-hugging rib-knit dress with a mock neck",
        "detailedDescription": (
            "A stretchy 2x2 rib knit that sculpts without squeezing. The mock neck and long "
            "sleeves make it an easy cold-weather dress, and it pairs well with boots or "
            "sneakers alike."
        ),
        "price": 58.00,
        "currency": "USD",
        "brand": "Luma Studio",
        "category": "dresses",
        "subcategory": "bodycon",
        "specifications": {
            "material": "72% Viscose, 25% Polyamide, 3% Elastane",
            "neckline": "Mock neck",
            "sleeve": "Long sleeve",
            "length": "Knee length",
        },
        "sizing": {
            "fit": "slim",
            "sizeGuide": {
                "XS": {"chest": 78, "waist": 60, "hips": 86, "length": 98},
                "S": {"chest": 82, "waist": 64, "hips": 90, "length": 99},
                "M": {"chest": 86, "waist": 68, "hips": 94, "length": 100},
                "L": {"chest": 92, "waist": 74, "hips": 100, "length": 101},
                "XL": {"chest": 98, "waist": 80, "hips": 106, "length": 102},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/ribbed-knit-bodycon-dress_front.jpg",
                "type": "front",
                "resolution": "high",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["knit", "bodycon", "autumn", "winter"],
        "material": "72% Viscose, 25% Polyamide, 3% Elastane",
        "careInstructions": "Machine wash 30°C on delicate cycle, dry flat",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 0.45,
            "dimensions": {"length": 32, "width": 25, "height": 4},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "XS",
                "color": "black",
                "colorHex": "#000000",
                "stock": 10,
                "sku": "DRS-007-XS-BLK",
            },
            {
                "size": "S",
                "color": "black",
                "colorHex": "#000000",
                "stock": 17,
                "sku": "DRS-007-S-BLK",
            },
            {
                "size": "M",
                "color": "black",
                "colorHex": "#000000",
                "stock": 14,
                "sku": "DRS-007-M-BLK",
            },
            {
                "size": "M",
                "color": "oatmeal",
                "colorHex": "#DCCFB8",
                "stock": 6,
                "sku": "DRS-007-M-OAT",
            },
            {
                "size": "L",
                "color": "oatmeal",
                "colorHex": "#DCCFB8",
                "stock": 0,
                "sku": "DRS-007-L-OAT",
            },
            {
                "size": "XL",
                "color": "burgundy",
                "colorHex": "#800020",
                "stock": 3,
                "sku": "DRS-007-XL-BRG",
            },
        ],
        "reviews": [],
    },
    # -------------------------------------------------------------------------------- outerwear
    {
        "name": "Waxed Cotton Field Jacket",
        "description": "Weatherproof waxed-cotton jacket with corduroy collar and four pockets",
        "detailedDescription": (
            "Made from 8 oz British waxed cotton that sheds rain and wind and can be re-proofed "
            "for decades of wear. Lined in tartan cotton, with a two-way brass zip, storm "
            "flap, bellows pockets and a fold-away hood in the collar."
        ),
        "price": 289.00,
        "originalPrice": 329.00,
        "currency": "USD",
        "brand": "Fellside Outfitters",
        "category": "outerwear",
        "subcategory": "jackets",
        "specifications": {
            "material": "100% Waxed Cotton",
            "lining": "100% Cotton tartan",
            "closure": "Two-way zip with press-stud storm flap",
            "hood": "Concealed in collar",
            "origin": "Made in England",
        },
        "sizing": {
            "fit": "regular",
            "sizeGuide": {
                "S": {"chest": 94, "shoulder": 45, "sleeve": 64, "length": 74},
                "M": {"chest": 100, "shoulder": 47, "sleeve": 65, "length": 76},
                "L": {"chest": 106, "shoulder": 49, "sleeve": 66, "length": 78},
                "XL": {"chest": 112, "shoulder": 51, "sleeve": 67, "length": 80},
                "XXL": {"chest": 118, "shoulder": 53, "sleeve": 68, "length": 82},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/waxed-cotton-field-jacket_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/waxed-cotton-field-jacket_back.jpg",
                "type": "back",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/waxed-cotton-field-jacket_detail.jpg",
                "type": "detail",
                "resolution": "4k",
            },
        ],
        "model3D": {
            "url": "https://cdn.tryon.example/models/waxed-cotton-field-jacket.glb",
            "format": "glb",
            "size": "14.9MB",
            "polycount": 18320,
        },
        "tryonAvailable": True,
        "tags": ["waxed", "waterproof", "heritage", "autumn"],
        "material": "100% Waxed Cotton",
        "careInstructions": "Do not wash; sponge clean with cold water, re-wax yearly",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 1.6,
            "dimensions": {"length": 45, "width": 35, "height": 10},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "S",
                "color": "olive",
                "colorHex": "#4B5320",
                "stock": 3,
                "sku": "JKT-008-S-OLV",
            },
            {
                "size": "M",
                "color": "olive",
                "colorHex": "#4B5320",
                "stock": 8,
                "sku": "JKT-008-M-OLV",
            },
            {
                "size": "L",
                "color": "olive",
                "colorHex": "#4B5320",
                "stock": 6,
                "sku": "JKT-008-L-OLV",
            },
            {
                "size": "M",
                "color": "navy",
                "colorHex": "#14213D",
                "stock": 0,
                "sku": "JKT-008-M-NVY",
            },
            {
                "size": "XL",
                "color": "navy",
                "colorHex": "#14213D",
                "stock": 4,
                "sku": "JKT-008-XL-NVY",
            },
            {
                "size": "XXL",
                "color": "navy",
                "colorHex": "#14213D",
                "stock": 2,
                "sku": "JKT-008-XXL-NVY",
                "price": 309.00,
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Built like a tank",
                "comment": "Survived a week of Scottish rain. Smells of wax at first, that fades.",
                "userName": "Callum F.",
            },
            {
                "rating": 4,
                "title": "Size down",
                "comment": "Room for a jumper underneath in my usual size; could size down.",
                "userName": "Ingrid V.",
            },
        ],
    },
    {
        "name": "Oversized Wool Overcoat",
        "description": "Dropped-shoulder double-faced wool coat in a long, oversized cut",
        "detailedDescription": (
            "Hand-finished double-faced wool and cashmere, unlined so it drapes softly. The "
            "dropped shoulders, notch lapels and below-the-knee length give a relaxed, "
            "architectural shape that layers over tailoring or knitwear."
        ),
        "price": 395.00,
        "originalPrice": 450.00,
        "currency": "EUR",
        "brand": "Atelier Brume",
        "category": "outerwear",
        "subcategory": "coats",
        "specifications": {
            "material": "90% Wool, 10% Cashmere",
            "construction": "Double-faced, unlined",
            "closure": "Single-breasted, three buttons",
            "length": "Below the knee",
            "origin": "Made in Italy",
        },
        "sizing": {
            "fit": "oversized",
            "sizeGuide": {
                "XS": {"chest": 108, "shoulder": 50, "sleeve": 58, "length": 112},
                "S": {"chest": 114, "shoulder": 52, "sleeve": 60, "length": 114},
                "M": {"chest": 120, "shoulder": 54, "sleeve": 62, "length": 116},
                "L": {"chest": 126, "shoulder": 56, "sleeve": 63, "length": 118},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/oversized-wool-overcoat_front.jpg",
                "type": "front",
                "resolution": "4k",
            },
            {
                "url": "https://cdn.tryon.example/products/oversized-wool-overcoat_side.jpg",
                "type": "side",
                "resolution": "high",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["wool", "cashmere", "winter", "oversized"],
        "material": "90% Wool, 10% Cashmere",
        "careInstructions": "Dry clean only, store on a wide hanger",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 2.1,
            "dimensions": {"length": 55, "width": 40, "height": 12},
            "freeShippingThreshold": 150.00,
        },
        "variants": [
            {
                "size": "XS",
                "color": "camel",
                "colorHex": "#C19A6B",
                "stock": 2,
                "sku": "COT-009-XS-CML",
            },
            {
                "size": "S",
                "color": "camel",
                "colorHex": "#C19A6B",
                "stock": 5,
                "sku": "COT-009-S-CML",
            },
            {
                "size": "M",
                "color": "camel",
                "colorHex": "#C19A6B",
                "stock": 0,
                "sku": "COT-009-M-CML",
            },
            {
                "size": "S",
                "color": "charcoal",
                "colorHex": "#333333",
                "stock": 4,
                "sku": "COT-009-S-CHR",
            },
            {
                "size": "L",
                "color": "charcoal",
                "colorHex": "#333333",
                "stock": 3,
                "sku": "COT-009-L-CHR",
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Investment piece",
                "comment": "Gorgeous drape and very warm for an unlined coat.",
                "userName": "Léa G.",
            },
        ],
    },
    # ------------------------------------------------------------------------------------ shoes
    {
        "name": "Leather Court Sneakers",
        "description": "Minimal low-top sneakers in full-grain leather with a stitched cupsole",
        "detailedDescription": (
            "Full-grain Italian calf leather uppers on a Margom rubber cupsole, Blake-stitched "
            "for durability and easy resoling. Leather lining and a cushioned cork footbed "
            "mould to your foot over time."
        ),
        "price": 139.00,
        "currency": "USD",
        "brand": "Stride Theory",
        "category": "shoes",
        "subcategory": "sneakers",
        "specifications": {
            "upper": "Full-grain calf leather",
            "lining": "Leather",
            "sole": "Rubber cupsole",
            "footbed": "Cork",
            "origin": "Made in Portugal",
        },
        "sizing": {
            "fit": "regular",
            "sizeGuide": {
                "39": {"footLength": 24.6},
                "40": {"footLength": 25.3},
                "41": {"footLength": 26.0},
                "42": {"footLength": 26.6},
                "43": {"footLength": 27.3},
                "44": {"footLength": 28.0},
                "45": {"footLength": 28.6},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/leather-court-sneakers_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/leather-court-sneakers_side.jpg",
                "type": "side",
                "resolution": "high",
            },
        ],
        "model3D": {
            "url": "https://cdn.tryon.example/models/leather-court-sneakers.glb",
            "format": "glb",
            "size": "6.4MB",
            "polycount": 9620,
        },
        "tryonAvailable": True,
        "tags": ["leather", "sneakers", "minimal", "everyday"],
        "material": "Full-grain calf leather upper, rubber sole",
        "careInstructions": "Wipe clean with a damp cloth, condition leather monthly",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 1.2,
            "dimensions": {"length": 34, "width": 22, "height": 13},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "39",
                "color": "white",
                "colorHex": "#F8F8F8",
                "stock": 6,
                "sku": "SNK-010-39-WHT",
            },
            {
                "size": "41",
                "color": "white",
                "colorHex": "#F8F8F8",
                "stock": 14,
                "sku": "SNK-010-41-WHT",
            },
            {
                "size": "42",
                "color": "white",
                "colorHex": "#F8F8F8",
                "stock": 19,
                "sku": "SNK-010-42-WHT",
            },
            {
                "size": "43",
                "color": "white",
                "colorHex": "#F8F8F8",
                "stock": 0,
                "sku": "SNK-010-43-WHT",
            },
            {
                "size": "44",
                "color": "black",
                "colorHex": "#0A0A0A",
                "stock": 8,
                "sku": "SNK-010-44-BLK",
            },
            {
                "size": "45",
                "color": "black",
                "colorHex": "#0A0A0A",
                "stock": 3,
                "sku": "SNK-010-45-BLK",
            },
            {
                "size": "42",
                "color": "tan suede",
                "colorHex": "#C8A27A",
                "stock": 5,
                "sku": "SNK-010-42-TAN",
                "price": 149.00,
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Better than the big names",
                "comment": "Same quality as sneakers twice the price. True to size.",
                "userName": "Oliver J.",
            },
            {
                "rating": 4,
                "title": "Break-in period",
                "comment": "A little stiff at the heel for a few days, now very comfortable.",
                "userName": "Maya C.",
            },
            {
                "rating": 5,
                "title": "Clean look",
                "comment": "Goes with everything from jeans to chinos.",
                "userName": "Ravi N.",
            },
        ],
    },
    {
        "name": "Suede Chelsea Boots",
        "description": "Water-repellent suede Chelsea boots with elastic gussets and a crepe sole",
        "detailedDescription": (
            "Cut from water-repellent Italian suede on a Goodyear-welted natural crepe sole. "
            "Elastic side gussets and a heel pull tab make them easy to slip on, and the "
            "slim almond toe keeps them smart enough for the office."
        ),
        "price": 199.99,
        "originalPrice": 240.00,
        "currency": "USD",
        "brand": "Hollow Oak Bootmakers",
        "category": "shoes",
        "subcategory": "boots",
        "specifications": {
            "upper": "Water-repellent suede",
            "construction": "Goodyear welted",
            "sole": "Natural crepe rubber",
            "heel": "2.5 cm",
            "origin": "Made in Spain",
        },
        "sizing": {
            "fit": "regular",
            "sizeGuide": {
                "39": {"footLength": 24.6},
                "40": {"footLength": 25.3},
                "41": {"footLength": 26.0},
                "42": {"footLength": 26.6},
                "43": {"footLength": 27.3},
                "44": {"footLength": 28.0},
                "45": {"footLength": 28.6},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/suede-chelsea-boots_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/suede-chelsea-boots_side.jpg",
                "type": "side",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/suede-chelsea-boots_lifestyle.jpg",
                "type": "lifestyle",
                "resolution": "medium",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["suede", "boots", "chelsea", "autumn"],
        "material": "Suede upper, leather lining, crepe rubber sole",
        "careInstructions": "Brush with a suede brush, treat with protector spray each season",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 1.8,
            "dimensions": {"length": 36, "width": 24, "height": 14},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "40",
                "color": "snuff",
                "colorHex": "#8B6B4A",
                "stock": 4,
                "sku": "BOT-011-40-SNF",
            },
            {
                "size": "41",
                "color": "snuff",
                "colorHex": "#8B6B4A",
                "stock": 7,
                "sku": "BOT-011-41-SNF",
            },
            {
                "size": "42",
                "color": "snuff",
                "colorHex": "#8B6B4A",
                "stock": 9,
                "sku": "BOT-011-42-SNF",
            },
            {
                "size": "43",
                "color": "snuff",
                "colorHex": "#8B6B4A",
                "stock": 0,
                "sku": "BOT-011-43-SNF",
            },
            {
                "size": "42",
                "color": "chocolate",
                "colorHex": "#4A2C2A",
                "stock": 5,
                "sku": "BOT-011-42-CHC",
            },
            {
                "size": "44",
                "color": "chocolate",
                "colorHex": "#4A2C2A",
                "stock": 2,
                "sku": "BOT-011-44-CHC",
            },
        ],
        "reviews": [
            {
                "rating": 4,
                "title": "Handsome boots",
                "comment": "Crepe sole is super comfy. Suede handled light rain fine.",
                "userName": "Ben A.",
            },
        ],
    },
    # ------------------------------------------------------------------------------ accessories
    {
        "name": "Leather Crossbody Bag",
        "description": "Compact vegetable-tanned leather crossbody with an adjustable strap",
        "detailedDescription": (
            "Vegetable-tanned Tuscan leather that develops a rich patina. Fits a phone, wallet "
            "and keys, with an interior slip pocket, magnetic flap closure and an adjustable "
            "strap that converts from shoulder to crossbody."
        ),
        "price": 129.00,
        "currency": "USD",
        "brand": "Ferro & Co",
        "category": "accessories",
        "subcategory": "bags",
        "specifications": {
            "material": "Vegetable-tanned leather",
            "dimensions": "22 x 16 x 6 cm",
            "strap": "Adjustable 105-130 cm",
            "closure": "Magnetic flap",
            "origin": "Made in Italy",
        },
        "sizing": {"fit": "regular", "sizeGuide": {"ONE SIZE": {}}},
        "images": [
            {
                "url": "https://cdn.tryon.example/products/leather-crossbody-bag_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/leather-crossbody-bag_detail.jpg",
                "type": "detail",
                "resolution": "high",
            },
        ],
        "model3D": None,
        "tryonAvailable": False,
        "tags": ["leather", "bag", "crossbody", "gift"],
        "material": "100% Vegetable-tanned Leather",
        "careInstructions": "Keep dry, wipe with a soft cloth, condition every few months",
        "returnPolicy": _RETURNS_14,
        "shipping": {
            "weight": 0.6,
            "dimensions": {"length": 28, "width": 22, "height": 10},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "ONE SIZE",
                "color": "cognac",
                "colorHex": "#9A463D",
                "stock": 12,
                "sku": "BAG-012-OS-COG",
            },
            {
                "size": "ONE SIZE",
                "color": "black",
                "colorHex": "#121212",
                "stock": 9,
                "sku": "BAG-012-OS-BLK",
            },
            {
                "size": "ONE SIZE",
                "color": "forest",
                "colorHex": "#2E4A3A",
                "stock": 0,
                "sku": "BAG-012-OS-FOR",
                "price": 139.00,
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Gorgeous leather",
                "comment": "Smells amazing and already getting a lovely patina.",
                "userName": "Isabel F.",
            },
            {
                "rating": 4,
                "title": "Small but mighty",
                "comment": "Fits my phone, cardholder and keys. No room for sunglasses.",
                "userName": "Hannah Z.",
            },
        ],
    },
    {
        "name": "Polarized Aviator Sunglasses",
        "description": "Lightweight titanium aviators with polarized mineral-glass lenses",
        "detailedDescription": (
            "A classic teardrop aviator in feather-light titanium with adjustable silicone nose "
            "pads. Polarized mineral-glass lenses cut glare and block 100% of UVA/UVB; comes "
            "with a hard case and microfibre cloth."
        ),
        "price": 159.00,
        "originalPrice": 185.00,
        "currency": "USD",
        "brand": "Solenne Optics",
        "category": "accessories",
        "subcategory": "sunglasses",
        "specifications": {
            "frame": "Titanium",
            "lens": "Polarized mineral glass",
            "uvProtection": "UV400",
            "lensWidth": "58 mm",
            "bridge": "14 mm",
            "templeLength": "140 mm",
        },
        "sizing": {"fit": "regular", "sizeGuide": {"ONE SIZE": {}}},
        "images": [
            {
                "url": "https://cdn.tryon.example/products/polarized-aviator-sunglasses_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/polarized-aviator-sunglasses_side.jpg",
                "type": "side",
                "resolution": "medium",
            },
        ],
        "model3D": None,
        "tryonAvailable": False,
        "tags": ["sunglasses", "polarized", "titanium", "summer"],
        "material": "Titanium frame, mineral glass lenses",
        "careInstructions": "Clean lenses with the microfibre cloth; store in the hard case",
        "returnPolicy": _RETURNS_EYEWEAR,
        "shipping": {
            "weight": 0.25,
            "dimensions": {"length": 18, "width": 9, "height": 6},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "ONE SIZE",
                "color": "gold / green",
                "colorHex": "#C9A227",
                "stock": 15,
                "sku": "SUN-013-OS-GLD",
            },
            {
                "size": "ONE SIZE",
                "color": "silver / grey",
                "colorHex": "#C0C0C0",
                "stock": 10,
                "sku": "SUN-013-OS-SLV",
            },
            {
                "size": "ONE SIZE",
                "color": "gunmetal / blue mirror",
                "colorHex": "#2A3439",
                "stock": 0,
                "sku": "SUN-013-OS-GUN",
                "price": 175.00,
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Feather light",
                "comment": "Forget they're on. The polarization is excellent for driving.",
                "userName": "Carlos E.",
            },
        ],
    },
    {
        "name": "Wool Felt Fedora",
        "description": "Packable wool felt fedora with a grosgrain band",
        "detailedDescription": (
            "Hand-blocked from crushable wool felt so it can travel in a bag and spring back "
            "into shape. A 6 cm brim, pinched teardrop crown and grosgrain ribbon band finish "
            "a timeless hat for autumn and winter."
        ),
        "price": 74.95,
        "currency": "USD",
        "brand": "Crown & Brim",
        "category": "accessories",
        "subcategory": "hats",
        "specifications": {
            "material": "100% Wool felt",
            "brim": "6 cm",
            "band": "Grosgrain ribbon",
            "sweatband": "Cotton twill",
            "origin": "Made in Czech Republic",
        },
        "sizing": {
            "fit": "regular",
            "sizeGuide": {
                "S": {"headCircumference": 55},
                "M": {"headCircumference": 57},
                "L": {"headCircumference": 59},
                "XL": {"headCircumference": 61},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/wool-felt-fedora_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/wool-felt-fedora_side.jpg",
                "type": "side",
                "resolution": "high",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["hat", "wool", "fedora", "winter"],
        "material": "100% Wool felt",
        "careInstructions": "Spot clean only, brush with a soft hat brush, keep away from heat",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 0.3,
            "dimensions": {"length": 36, "width": 32, "height": 16},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "S",
                "color": "charcoal",
                "colorHex": "#3B3B3B",
                "stock": 5,
                "sku": "HAT-014-S-CHR",
            },
            {
                "size": "M",
                "color": "charcoal",
                "colorHex": "#3B3B3B",
                "stock": 11,
                "sku": "HAT-014-M-CHR",
            },
            {
                "size": "L",
                "color": "charcoal",
                "colorHex": "#3B3B3B",
                "stock": 7,
                "sku": "HAT-014-L-CHR",
            },
            {
                "size": "M",
                "color": "chestnut",
                "colorHex": "#954535",
                "stock": 0,
                "sku": "HAT-014-M-CHS",
            },
            {
                "size": "XL",
                "color": "chestnut",
                "colorHex": "#954535",
                "stock": 2,
                "sku": "HAT-014-XL-CHS",
            },
        ],
        "reviews": [],
    },
    # ------------------------------------------------------------------------------- activewear
    {
        "name": "Seamless Training Leggings",
        "description": "High-rise seamless leggings with sculpting rib zones and squat-proof knit",
        "detailedDescription": (
            "Circular-knit without side seams for zero chafing, in a sweat-wicking recycled "
            "nylon blend. The high-rise waistband stays put through squats and sprints, and "
            "the 7/8 length hits just above the ankle."
        ),
        "price": 68.00,
        "originalPrice": 78.00,
        "currency": "USD",
        "brand": "Kinetiq",
        "category": "activewear",
        "subcategory": "leggings",
        "specifications": {
            "material": "78% Recycled Nylon, 22% Elastane",
            "rise": "High rise",
            "length": "7/8",
            "pockets": "Hidden waistband pocket",
            "function": "Sweat-wicking, squat-proof",
        },
        "sizing": {
            "fit": "slim",
            "sizeGuide": {
                "XS": {"waist": 60, "hips": 86, "inseam": 63},
                "S": {"waist": 66, "hips": 91, "inseam": 64},
                "M": {"waist": 71, "hips": 96, "inseam": 65},
                "L": {"waist": 77, "hips": 102, "inseam": 66},
                "XL": {"waist": 83, "hips": 108, "inseam": 67},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/seamless-training-leggings_front.jpg",
                "type": "front",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/seamless-training-leggings_back.jpg",
                "type": "back",
                "resolution": "high",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["gym", "yoga", "seamless", "recycled"],
        "material": "78% Recycled Nylon, 22% Elastane",
        "careInstructions": "Machine wash cold, no fabric softener, hang dry",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 0.25,
            "dimensions": {"length": 28, "width": 22, "height": 3},
            "freeShippingThreshold": 50.00,
        },
        "variants": [
            {
                "size": "XS",
                "color": "black",
                "colorHex": "#0B0B0B",
                "stock": 22,
                "sku": "LEG-015-XS-BLK",
            },
            {
                "size": "S",
                "color": "black",
                "colorHex": "#0B0B0B",
                "stock": 35,
                "sku": "LEG-015-S-BLK",
            },
            {
                "size": "M",
                "color": "black",
                "colorHex": "#0B0B0B",
                "stock": 28,
                "sku": "LEG-015-M-BLK",
            },
            {
                "size": "S",
                "color": "sage",
                "colorHex": "#9CAF88",
                "stock": 0,
                "sku": "LEG-015-S-SGE",
            },
            {
                "size": "M",
                "color": "sage",
                "colorHex": "#9CAF88",
                "stock": 12,
                "sku": "LEG-015-M-SGE",
            },
            {
                "size": "L",
                "color": "plum",
                "colorHex": "#6B3E5E",
                "stock": 9,
                "sku": "LEG-015-L-PLM",
            },
            {
                "size": "XL",
                "color": "plum",
                "colorHex": "#6B3E5E",
                "stock": 4,
                "sku": "LEG-015-XL-PLM",
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Actually squat-proof",
                "comment": "Did the mirror test, passed. Waistband never rolls down.",
                "userName": "Jade M.",
            },
            {
                "rating": 5,
                "title": "Buttery soft",
                "comment": "Wore them for a half marathon with no chafing at all.",
                "userName": "Aisha B.",
            },
            {
                "rating": 4,
                "title": "Runs small",
                "comment": "Very compressive; I'd size up if between sizes.",
                "userName": "Kate R.",
            },
            {
                "rating": 2,
                "title": "Pilling",
                "comment": "Started pilling on the inner thigh after a month of use.",
                "userName": "Mei L.",
            },
        ],
    },
    {
        "name": "Breathable Running Tee",
        "description": "Ultralight mesh-panel running t-shirt with reflective details",
        "detailedDescription": (
            "An ultralight 95 gsm recycled polyester knit with laser-cut ventilation across the "
            "back. Flatlock seams reduce friction on long runs, and reflective logos keep you "
            "visible at dawn and dusk."
        ),
        "price": 39.99,
        "currency": "USD",
        "brand": "Kinetiq",
        "category": "activewear",
        "subcategory": "tops",
        "specifications": {
            "material": "100% Recycled Polyester",
            "weight": "95 gsm",
            "seams": "Flatlock",
            "features": "Laser-cut ventilation, reflective logos",
            "fit": "Regular fit",
        },
        "sizing": {
            "fit": "regular",
            "sizeGuide": {
                "S": {"chest": 92, "waist": 80, "shoulder": 44, "sleeve": 20},
                "M": {"chest": 98, "waist": 86, "shoulder": 46, "sleeve": 21},
                "L": {"chest": 104, "waist": 92, "shoulder": 48, "sleeve": 22},
                "XL": {"chest": 110, "waist": 98, "shoulder": 50, "sleeve": 23},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/breathable-running-tee_front.jpg",
                "type": "front",
                "resolution": "high",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["running", "breathable", "reflective", "recycled"],
        "material": "100% Recycled Polyester",
        "careInstructions": "Machine wash cold, do not tumble dry, do not iron reflective prints",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 0.12,
            "dimensions": {"length": 26, "width": 20, "height": 2},
            "freeShippingThreshold": 50.00,
        },
        "variants": [
            {
                "size": "S",
                "color": "volt",
                "colorHex": "#CEFF00",
                "stock": 14,
                "sku": "RUN-016-S-VLT",
            },
            {
                "size": "M",
                "color": "volt",
                "colorHex": "#CEFF00",
                "stock": 21,
                "sku": "RUN-016-M-VLT",
            },
            {
                "size": "L",
                "color": "volt",
                "colorHex": "#CEFF00",
                "stock": 0,
                "sku": "RUN-016-L-VLT",
            },
            {
                "size": "M",
                "color": "graphite",
                "colorHex": "#3A3F44",
                "stock": 18,
                "sku": "RUN-016-M-GRP",
            },
            {
                "size": "XL",
                "color": "graphite",
                "colorHex": "#3A3F44",
                "stock": 6,
                "sku": "RUN-016-XL-GRP",
            },
        ],
        "reviews": [
            {
                "rating": 4,
                "title": "Light as air",
                "comment": "Dries super fast. Sleeves a bit short for my long arms.",
                "userName": "Sam W.",
            },
        ],
    },
    # ----------------------------------------------------------------------------------- formal
    {
        "name": "Tailored Wool Blazer",
        "description": "Half-canvassed Super 110s wool blazer with notch lapels",
        "detailedDescription": (
            "A half-canvas construction gives this two-button blazer a natural roll to the "
            "lapel and a chest that moulds to you. Cut from Super 110s worsted wool with a "
            "soft shoulder, working cuffs and a full Bemberg lining."
        ),
        "price": 349.00,
        "originalPrice": 420.00,
        "currency": "USD",
        "brand": "Savile & Finch",
        "category": "formal",
        "subcategory": "blazers",
        "specifications": {
            "material": "100% Super 110s Wool",
            "lining": "100% Cupro (Bemberg)",
            "construction": "Half canvas",
            "buttons": "Two-button, working cuffs",
            "vents": "Double vent",
            "origin": "Made in Romania",
        },
        "sizing": {
            "fit": "slim",
            "sizeGuide": {
                "46": {"chest": 92, "waist": 80, "shoulder": 44, "sleeve": 62, "length": 72},
                "48": {"chest": 96, "waist": 84, "shoulder": 45.5, "sleeve": 63, "length": 73},
                "50": {"chest": 100, "waist": 88, "shoulder": 47, "sleeve": 64, "length": 74},
                "52": {"chest": 104, "waist": 92, "shoulder": 48.5, "sleeve": 65, "length": 75},
                "54": {"chest": 108, "waist": 96, "shoulder": 50, "sleeve": 66, "length": 76},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/tailored-wool-blazer_front.jpg",
                "type": "front",
                "resolution": "4k",
            },
            {
                "url": "https://cdn.tryon.example/products/tailored-wool-blazer_back.jpg",
                "type": "back",
                "resolution": "high",
            },
            {
                "url": "https://cdn.tryon.example/products/tailored-wool-blazer_detail.jpg",
                "type": "detail",
                "resolution": "high",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["tailoring", "wool", "business", "wedding"],
        "material": "100% Wool",
        "careInstructions": "Dry clean only, steam to refresh, hang on a shaped hanger",
        "returnPolicy": _RETURNS_30,
        "shipping": {
            "weight": 1.3,
            "dimensions": {"length": 60, "width": 40, "height": 10},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "46",
                "color": "navy",
                "colorHex": "#1C2841",
                "stock": 3,
                "sku": "BLZ-017-46-NVY",
            },
            {
                "size": "48",
                "color": "navy",
                "colorHex": "#1C2841",
                "stock": 7,
                "sku": "BLZ-017-48-NVY",
            },
            {
                "size": "50",
                "color": "navy",
                "colorHex": "#1C2841",
                "stock": 8,
                "sku": "BLZ-017-50-NVY",
            },
            {
                "size": "52",
                "color": "navy",
                "colorHex": "#1C2841",
                "stock": 0,
                "sku": "BLZ-017-52-NVY",
            },
            {
                "size": "50",
                "color": "mid grey",
                "colorHex": "#7A7D80",
                "stock": 4,
                "sku": "BLZ-017-50-GRY",
            },
            {
                "size": "54",
                "color": "mid grey",
                "colorHex": "#7A7D80",
                "stock": 2,
                "sku": "BLZ-017-54-GRY",
                "price": 369.00,
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Looks bespoke",
                "comment": "The canvassing really shows. Needed only a sleeve adjustment.",
                "userName": "William C.",
            },
            {
                "rating": 4,
                "title": "Sharp fit",
                "comment": "Slim through the waist; size up if you have a broad chest.",
                "userName": "Ahmed S.",
            },
        ],
    },
    {
        "name": "Satin Evening Gown",
        "description": "Floor-length bias-cut satin gown with a cowl neck and open back",
        "detailedDescription": (
            "Bias-cut from heavyweight silk-touch satin so it skims the body and pools softly "
            "at the floor. A draped cowl neckline, adjustable spaghetti straps and a low cowl "
            "back make it a standout for black-tie events."
        ),
        "price": 245.00,
        "currency": "EUR",
        "brand": "Maison Verité",
        "category": "formal",
        "subcategory": "gowns",
        "specifications": {
            "material": "100% Polyester satin",
            "neckline": "Cowl neck",
            "back": "Low cowl back",
            "length": "Floor length",
            "straps": "Adjustable",
            "origin": "Made in France",
        },
        "sizing": {
            "fit": "regular",
            "sizeGuide": {
                "XS": {"chest": 80, "waist": 62, "hips": 88, "length": 148},
                "S": {"chest": 84, "waist": 66, "hips": 92, "length": 150},
                "M": {"chest": 88, "waist": 70, "hips": 96, "length": 152},
                "L": {"chest": 94, "waist": 76, "hips": 102, "length": 154},
            },
        },
        "images": [
            {
                "url": "https://cdn.tryon.example/products/satin-evening-gown_front.jpg",
                "type": "front",
                "resolution": "4k",
            },
            {
                "url": "https://cdn.tryon.example/products/satin-evening-gown_back.jpg",
                "type": "back",
                "resolution": "4k",
            },
        ],
        "model3D": None,
        "tryonAvailable": True,
        "tags": ["satin", "evening", "black-tie", "gown"],
        "material": "100% Polyester satin",
        "careInstructions": "Dry clean only, cool iron on reverse",
        "returnPolicy": _RETURNS_14,
        "shipping": {
            "weight": 0.7,
            "dimensions": {"length": 45, "width": 32, "height": 8},
            "freeShippingThreshold": 75.00,
        },
        "variants": [
            {
                "size": "XS",
                "color": "emerald",
                "colorHex": "#046307",
                "stock": 2,
                "sku": "GWN-018-XS-EMR",
            },
            {
                "size": "S",
                "color": "emerald",
                "colorHex": "#046307",
                "stock": 5,
                "sku": "GWN-018-S-EMR",
            },
            {
                "size": "M",
                "color": "emerald",
                "colorHex": "#046307",
                "stock": 0,
                "sku": "GWN-018-M-EMR",
            },
            {
                "size": "S",
                "color": "champagne",
                "colorHex": "#F7E7CE",
                "stock": 4,
                "sku": "GWN-018-S-CHP",
            },
            {
                "size": "M",
                "color": "champagne",
                "colorHex": "#F7E7CE",
                "stock": 3,
                "sku": "GWN-018-M-CHP",
            },
            {
                "size": "L",
                "color": "black",
                "colorHex": "#050505",
                "stock": 6,
                "sku": "GWN-018-L-BLK",
                "price": 235.00,
            },
        ],
        "reviews": [
            {
                "rating": 5,
                "title": "Red-carpet worthy",
                "comment": "Drapes like a dream. I'm 170 cm and it grazed the floor in heels.",
                "userName": "Valentina P.",
            },
            {
                "rating": 4,
                "title": "Elegant",
                "comment": "Beautiful colour; the satin shows creases so steam before wearing.",
                "userName": "Chloé M.",
            },
        ],
    },
]


def demo_photo_name(product: dict[str, Any], side: str) -> str:
    """File name of a demo product's generated photo (``side`` front or back) in the package
    data folder ``adapters/demo_images/`` (made by bench/gallery_product_images.py)."""
    prefix = "-".join(product["variants"][0]["sku"].split("-")[:2])
    return f"{prefix}_{side}.png"


def demo_photos(product: dict[str, Any]) -> list[bytes]:
    """The demo product's front and back photos (PNG bytes), for the try-on's product look."""
    from importlib.resources import files

    folder = files("adapters").joinpath("demo_images")
    return [
        folder.joinpath(demo_photo_name(product, side)).read_bytes() for side in ("front", "back")
    ]

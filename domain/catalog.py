"""The catalog: products with variants, stock, size guides and reviews."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, ClassVar, TypedDict, cast

from eventsourcing.domain import Aggregate, DomainEvent, event

from domain import ids
from domain.cart import PricedProduct, ProductSnapshot
from domain.errors import InsufficientStock, InvalidInput, InvalidStateTransition, NotFound
from domain.money import DEFAULT_CURRENCY, Money, Quantity
from domain.stored import StoredState


class Category(StrEnum):
    TOPS = "tops"
    BOTTOMS = "bottoms"
    DRESSES = "dresses"
    OUTERWEAR = "outerwear"
    SHOES = "shoes"
    ACCESSORIES = "accessories"
    ACTIVEWEAR = "activewear"
    FORMAL = "formal"


CATEGORIES = tuple(c.value for c in Category)
DEFAULT_FREE_SHIPPING_CENTS = 75_00

# Fields a product carries as given (its prices are separate: integer cents in the events,
# ``Money`` in the aggregate).
DESCRIPTIVE_FIELDS = (
    "name", "description", "detailedDescription", "currency", "brand", "category", "subcategory",
    "images", "model3D", "specifications", "sizing", "relatedProducts", "tryonAvailable", "tags",
    "material", "careInstructions", "returnPolicy", "shipping",
)
VARIANT_FIELDS = ("size", "color", "colorHex", "stock", "sku", "price_cents")

# The product's descriptive document in the API's words (images, sizing, specifications...):
# the catalog shows it back as given, so it stays JSON (the only untyped dict here); the
# domain reads the parts its rules use through typed properties: name, brand, currency,
# category, images (``ProductImage``), sizing (``Sizing``, ``SizeGuide``), shipping.
ProductContent = dict[str, Any]


@dataclass(frozen=True)
class ProductImage:
    url: str
    view: str | None = None  # front, back, side, detail, lifestyle (the document's "type")
    resolution: str | None = None

    @classmethod
    def from_content(cls, image: Mapping[str, Any]) -> ProductImage:
        return cls(url=str(image["url"]), view=image.get("type"),
                   resolution=image.get("resolution"))


@dataclass(frozen=True)
class SizeGuide:
    """The body each size fits: measurements in centimetres by body part (chest, waist...),
    by size. The try-on's fit report and recommended size compare a body with it."""

    sizes: Mapping[str, Mapping[str, float]]

    def measurements_of(self, size: str | None) -> Mapping[str, float] | None:
        return None if size is None else self.sizes.get(size)

    def as_content(self) -> dict[str, dict[str, float]]:
        """In the document's shape, as the render engine takes it."""
        return {size: dict(measurements) for size, measurements in self.sizes.items()}


@dataclass(frozen=True)
class Sizing:
    fit: str  # slim, regular, relaxed or oversized
    guide: SizeGuide

    @classmethod
    def from_content(cls, sizing: Mapping[str, Any] | None) -> Sizing:
        """A product listed without sizing fits as "regular" with an empty guide."""
        sizing = sizing or {}
        return cls(fit=str(sizing.get("fit") or "regular"),
                   guide=SizeGuide(dict(sizing.get("sizeGuide") or {})))


@dataclass(frozen=True)
class ParcelDimensions:
    length_cm: float
    width_cm: float
    height_cm: float


@dataclass(frozen=True)
class Shipping:
    """How the product ships: its parcel as the document gives it, and the order subtotal
    from which standard shipping is free (the product's own, kept in cents by its events)."""

    free_shipping_threshold: Money
    weight_kg: float | None = None
    dimensions: ParcelDimensions | None = None


# The blob key of a photo's link when the shop's own store holds the photo (a link it signed);
# None for another site's image, which the render engine never fetches. The edge passes it in.
PhotoKey = Callable[[str], str | None]


@dataclass(frozen=True)
class Garment:
    """A variant of a product as the render engine draws it: the product itself, not a swatch
    (its cut, fabric and front and back photos), in the variant's size and colour, with the
    body each size fits."""

    product_id: uuid.UUID
    variant_id: str
    category: Category | None
    subcategory: str | None
    size: str | None
    color_hex: str
    sizing: Sizing
    fabric: str | None  # the material and tags, as words
    photo_keys: tuple[str, ...]  # front, then back, those the shop's store holds
    model_key: str | None = None  # the product's own 3-D model (glb), if the store holds it

    def as_engine_input(self) -> dict[str, object]:
        """In the render engine's words, as ``Render.Requested`` stores it."""
        garment: dict[str, object] = {
            "category": None if self.category is None else self.category.value,
            "size": self.size, "colorHex": self.color_hex,
            "sizeGuide": self.sizing.guide.as_content(), "fit": self.sizing.fit,
            "imageKeys": list(self.photo_keys), "subcategory": self.subcategory}
        if self.fabric:
            garment["material"] = self.fabric
        if self.model_key:
            garment["modelKey"] = self.model_key
        return garment


class StoredVariant(TypedDict, total=False):
    """How ``VariantAdded`` stores a variant (``VariantRevised``: the keys that changed)."""

    size: str
    color: str
    colorHex: str
    stock: int
    sku: str
    price_cents: int | None


@dataclass(frozen=True)
class Variant:
    size: str | None = None
    color: str | None = None
    color_hex: str | None = None
    stock: int = 0
    sku: str | None = None
    price: Money | None = None  # None: the product's price

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any], currency: str) -> Variant:
        return cls().revised(stored, currency)

    def revised(self, changes: Mapping[str, Any], currency: str) -> Variant:
        """This variant with the stored ``changes`` (its own price in ``currency``)."""
        revised = {_VARIANT_ATTRIBUTES[k]: v for k, v in changes.items()
                   if k in _VARIANT_ATTRIBUTES}
        if "stock" in revised:
            revised["stock"] = int(revised["stock"])
        if "price" in revised and revised["price"] is not None:
            revised["price"] = Money(int(revised["price"]), currency)
        return replace(self, **revised)


def _stored_variant(fields: Mapping[str, Any]) -> StoredVariant:
    return cast(StoredVariant, {k: v for k, v in fields.items() if k in VARIANT_FIELDS})


_VARIANT_ATTRIBUTES = {"size": "size", "color": "color", "colorHex": "color_hex",
                       "stock": "stock", "sku": "sku", "price_cents": "price"}


@dataclass(frozen=True)
class Rating:
    """What the aggregate keeps of a review: its stars and who gave them (the text and the
    reviewer's name live in the event, sealed, and the read model)."""

    stars: int
    reviewer: str | None  # public user id; None in reviews stored before reviewers were


class StoredReview(TypedDict):
    """How ``Reviewed`` stores a review (``userName`` is sealed as personal data)."""

    userId: str
    userName: str
    rating: int
    title: str
    comment: str
    helpful: int
    verified: bool


def reviewer_name(first_name: str, last_name: str) -> str:
    """Reviews show the first name and the last initial: "Ada L."."""
    return f"{first_name} {last_name[:1]}.".strip()


class Product(Aggregate):
    """v3: prices are ``Money`` (v2 snapshots held cents); v2: variants are ``Variant`` values
    and reviews ``Rating`` values (v1 snapshots held dicts). Older snapshots are upcast on
    load."""

    class_version = 3
    Listed: ClassVar[type[DomainEvent]]
    Revised: ClassVar[type[DomainEvent]]
    VariantAdded: ClassVar[type[DomainEvent]]
    VariantRevised: ClassVar[type[DomainEvent]]
    StockReserved: ClassVar[type[DomainEvent]]
    StockReleased: ClassVar[type[DomainEvent]]
    Reviewed: ClassVar[type[DomainEvent]]

    @event("Listed")
    def __init__(
        self,
        id: uuid.UUID,
        fields: ProductContent,
        price_cents: int,
        original_price_cents: int | None,
        free_shipping_cents: int,
    ) -> None:
        self.fields = {k: v for k, v in fields.items() if k in DESCRIPTIVE_FIELDS}
        self.price = Money(price_cents, self.currency)
        self.original_price = self._money(original_price_cents)
        self.free_shipping_threshold = Money(free_shipping_cents, self.currency)
        self.variants: dict[str, Variant] = {}
        self.reviews: dict[str, Rating] = {}

    def _money(self, cents: int | None) -> Money | None:
        return None if cents is None else Money(cents, self.currency)

    @staticmethod
    def upcast_v1_v2(state: StoredState) -> None:
        # To v2's variants, the plain dicts of their fields (see ``upcast_v2_v3``).
        state["variants"] = {
            k: {"size": v.get("size"), "color": v.get("color"), "color_hex": v.get("colorHex"),
                "stock": int(v.get("stock", 0)), "sku": v.get("sku"),
                "price_cents": v.get("price_cents")}
            for k, v in state["variants"].items()}
        state["reviews"] = {k: Rating(stars=int(r["rating"]), reviewer=r.get("userId"))
                            for k, r in state["reviews"].items()}

    @staticmethod
    def upcast_v2_v3(state: StoredState) -> None:
        # v2 variants are the plain dicts of their fields (``application.shop`` decodes the
        # retired value name so); every price is in the product's currency.
        currency = str(state["fields"].get("currency", DEFAULT_CURRENCY))
        state["price"] = Money(int(state.pop("price_cents")), currency)
        original = state.pop("original_price_cents")
        state["original_price"] = None if original is None else Money(int(original), currency)
        state["free_shipping_threshold"] = Money(int(state.pop("free_shipping_cents")),
                                                 currency)
        state["variants"] = {
            k: Variant(size=v["size"], color=v["color"], color_hex=v["color_hex"],
                       stock=int(v["stock"]), sku=v["sku"],
                       price=None if v["price_cents"] is None
                       else Money(int(v["price_cents"]), currency))
            for k, v in state["variants"].items()}

    @event("Revised")
    def revise(
        self,
        fields: ProductContent,
        price_cents: int | None,
        original_price_cents: int | None,
        free_shipping_cents: int | None,
    ) -> None:
        changes = {k: v for k, v in fields.items() if k in DESCRIPTIVE_FIELDS}
        self.fields = {**self.fields, **changes}
        if self.currency != self.price.currency:  # its numbers stay, in the new currency
            self._restate_in(self.currency)
        if price_cents is not None:
            self.price = Money(price_cents, self.currency)
        if original_price_cents is not None:
            self.original_price = Money(original_price_cents, self.currency)
        if free_shipping_cents is not None:
            self.free_shipping_threshold = Money(free_shipping_cents, self.currency)

    def _restate_in(self, currency: str) -> None:
        self.price = self.price.at_face_value_in(currency)
        if self.original_price is not None:
            self.original_price = self.original_price.at_face_value_in(currency)
        self.free_shipping_threshold = self.free_shipping_threshold.at_face_value_in(currency)
        self.variants = {
            k: v if v.price is None else replace(v, price=v.price.at_face_value_in(currency))
            for k, v in self.variants.items()}

    @property
    def name(self) -> str:
        return str(self.fields.get("name", ""))

    @property
    def tryon_available(self) -> bool:
        return bool(self.fields.get("tryonAvailable", False))

    @property
    def brand(self) -> str | None:
        return self.fields.get("brand")

    @property
    def currency(self) -> str:
        return str(self.fields.get("currency", "USD"))

    @property
    def category(self) -> Category | None:
        category = self.fields.get("category")
        return None if category is None else Category(category)

    @property
    def subcategory(self) -> str | None:
        return self.fields.get("subcategory")

    @property
    def images(self) -> tuple[ProductImage, ...]:
        return tuple(ProductImage.from_content(image)
                     for image in self.fields.get("images") or ())

    @property
    def first_image(self) -> str | None:
        images = self.images
        return images[0].url if images else None

    @property
    def sizing(self) -> Sizing:
        return Sizing.from_content(self.fields.get("sizing"))

    @property
    def size_guide(self) -> SizeGuide:
        return self.sizing.guide

    @property
    def shipping(self) -> Shipping:
        parcel = self.fields.get("shipping") or {}
        size = parcel.get("dimensions")
        return Shipping(
            free_shipping_threshold=self.free_shipping_threshold,
            weight_kg=None if parcel.get("weight") is None else float(parcel["weight"]),
            dimensions=None if not size else ParcelDimensions(
                float(size["length"]), float(size["width"]), float(size["height"])))

    @property
    def fabric(self) -> str | None:
        words = " ".join([str(self.fields.get("material") or ""),
                          *map(str, self.fields.get("tags") or [])]).strip()
        return words or None

    def garment(self, variant_id: str, photo_key: PhotoKey) -> Garment:
        """One of this product's variants, to try on (if the product can be tried on)."""
        variant = self.check_variant(variant_id)
        if not self.tryon_available:
            raise InvalidStateTransition("This product cannot be tried on")
        photos = [next((key for image in self.images
                        if image.view == side and (key := photo_key(image.url))), None)
                  for side in ("front", "back")]
        return Garment(product_id=self.id, variant_id=variant_id, category=self.category,
                       subcategory=self.subcategory, size=variant.size,
                       color_hex=variant.color_hex or "#808080", sizing=self.sizing,
                       fabric=self.fabric, photo_keys=tuple(key for key in photos if key),
                       model_key=self.model_key(photo_key))

    def model_key(self, photo_key: PhotoKey) -> str | None:
        """The blob key of the product's 3-D model, when it is a glb this store holds (the
        render engine drapes glb models only; another site's model is never fetched)."""
        model = self.fields.get("model3D")
        if not isinstance(model, Mapping) or model.get("format") != "glb":
            return None
        url = model.get("url")
        return photo_key(url) if isinstance(url, str) else None

    def snapshot_of(self, variant_id: str) -> PricedProduct:
        """What a cart records of this product, for one of its variants."""
        return PricedProduct(
            ProductSnapshot(product_id=ids.encode("prod", self.id), name=self.name,
                            image=self.first_image, brand=self.brand),
            unit_price=self.variant_price(variant_id),
            free_shipping_threshold=self.free_shipping_threshold)

    # -- variants ------------------------------------------------------------------------------
    def add_variant(self, variant_id: str, variant: Mapping[str, Any]) -> None:
        """``variant``: the admin's fields (any others are left out)."""
        sku = variant.get("sku")
        if sku and any(v.sku == sku for v in self.variants.values()):
            raise InvalidInput("sku", "SKU already used by another variant of this product",
                               "DUPLICATE")
        self._variant_added(variant_id=variant_id, variant=_stored_variant(variant))

    @event("VariantAdded")
    def _variant_added(self, variant_id: str, variant: StoredVariant) -> None:
        self.variants[variant_id] = Variant.from_stored(variant, self.currency)

    def revise_variant(self, variant_id: str, changes: Mapping[str, Any]) -> None:
        self.check_variant(variant_id)
        self._variant_revised(variant_id=variant_id, changes=_stored_variant(changes))

    @event("VariantRevised")
    def _variant_revised(self, variant_id: str, changes: StoredVariant) -> None:
        self.variants[variant_id] = self.variants[variant_id].revised(changes, self.currency)

    def check_variant(self, variant_id: str) -> Variant:
        try:
            return self.variants[variant_id]
        except KeyError:
            raise NotFound("Variant not found") from None

    def variant_price(self, variant_id: str) -> Money:
        price = self.check_variant(variant_id).price
        return self.price if price is None else price

    def stock_of(self, variant_id: str) -> int:
        return self.check_variant(variant_id).stock

    def check_stock(self, variant_id: str, quantity: int) -> None:
        available = self.stock_of(variant_id)
        if quantity > available:
            raise InsufficientStock(
                f"Only {available} left of this variant", variantId=variant_id,
                available=available, requested=quantity,
            )

    def reserve_stock(self, variant_id: str, quantity: Quantity, order_id: uuid.UUID) -> None:
        self.check_stock(variant_id, quantity.units)
        self._stock_reserved(variant_id=variant_id, quantity=quantity.units, order_id=order_id)

    @event("StockReserved")
    def _stock_reserved(self, variant_id: str, quantity: int, order_id: uuid.UUID) -> None:
        variant = self.variants[variant_id]
        self.variants[variant_id] = replace(variant, stock=variant.stock - quantity)

    def release_stock(self, variant_id: str, quantity: Quantity, order_id: uuid.UUID) -> None:
        self._stock_released(variant_id=variant_id, quantity=quantity.units, order_id=order_id)

    @event("StockReleased")
    def _stock_released(self, variant_id: str, quantity: int, order_id: uuid.UUID) -> None:
        variant = self.variants[variant_id]
        self.variants[variant_id] = replace(variant, stock=variant.stock + quantity)

    # -- reviews: one per person and product, the latest replaces the earlier ---------------
    def review(self, review_id: str, reviewer_id: str, reviewer_name: str, bought: bool,
               stars: int, title: str, comment: str) -> None:
        """A review is "verified" when its author bought the product."""
        self.add_review(review_id=review_id, review=StoredReview(
            userId=reviewer_id, userName=reviewer_name, rating=stars, title=title,
            comment=comment, helpful=0, verified=bought))

    @event("Reviewed")
    def add_review(self, review_id: str, review: StoredReview) -> None:
        # Applied the same way to events stored before the rule (a person's five reviews in
        # an old log count once, as the last of them). The aggregate keeps what its rules
        # need; the text and the reviewer's name live in the event (sealed) and the read
        # model, so snapshots hold no personal data.
        reviewer = review.get("userId")
        if reviewer is not None:
            for earlier in [k for k, r in self.reviews.items() if r.reviewer == reviewer]:
                del self.reviews[earlier]
        self.reviews[review_id] = Rating(stars=int(review["rating"]), reviewer=reviewer)

    def review_by(self, user_id: str) -> str | None:
        """The id of ``user_id``'s review of this product, if any."""
        return next((k for k, r in self.reviews.items() if r.reviewer == user_id), None)

    @property
    def rating(self) -> tuple[float, int]:
        stars = [r.stars for r in self.reviews.values()]
        if not stars:
            return 0.0, 0
        return round(sum(stars) / len(stars), 1), len(stars)

"""Request bodies, validated to the spec's rules. Unknown fields are rejected."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from adapters.http.naming import in_domain_words
from adapters.http.validation import (
    AddressId,
    BirthDate,
    Country,
    HexColor,
    Money,
    Name,
    OrderId,
    Password,
    PaymentId,
    Phone,
    ProductId,
    Text,
    TransactionId,
    VariantId,
    WholeNumber,
)
from domain.accounts import Address
from domain.catalog import CATEGORIES

Category = Literal["tops", "bottoms", "dresses", "outerwear", "shoes", "accessories",
                   "activewear", "formal"]
assert set(CATEGORIES) == set(Category.__args__)  # type: ignore[attr-defined]
Email = Annotated[EmailStr, Field(max_length=254)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
Scalar = str | int | float | bool | None


def _schema_without_null(schema: dict[str, Any], model: type[Any]) -> None:
    """Fields a partial update may leave out but not set to null: say so in the OpenAPI
    schema too (the type is optional only to tell "left out" apart)."""
    for name in getattr(model, "never_null", ()):
        field = schema.get("properties", {}).get(name, {})
        options = field.get("anyOf")
        if options and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            field.pop("anyOf")
            field.pop("default", None)
            if len(rest) == 1:
                field.update(rest[0])
            else:
                field["anyOf"] = rest


# No control character, no space of any kind: spelled out, because "\S" means different
# things to pydantic's regex engine and to the JSON Schema (ECMA) regexes clients check with.
HTTPS_URL = (r"^https://[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
             r"\u3000\ufeff]+$")


class Body(BaseModel):
    # Strict: "2" or true is not a quantity, false is not a stock level.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True,
                              json_schema_extra=_schema_without_null)
    never_null: ClassVar[tuple[str, ...]] = ()


def not_null(value: Any) -> Any:
    """For partial updates: a field may be left out, but not set to null."""
    if value is None:
        raise ValueError("Cannot be null; leave the field out to keep its value")
    return value


# -- auth -------------------------------------------------------------------------------------
class RegisterBody(Body):
    email: Email
    password: Password
    firstName: Name
    lastName: Name


class LoginBody(Body):
    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class RefreshBody(Body):
    refreshToken: Annotated[str, Field(min_length=1, max_length=4096)]


class VerifyEmailBody(Body):
    token: Annotated[str, Field(min_length=1, max_length=4096)]


# -- users ------------------------------------------------------------------------------------
class Notifications(Body):
    email: bool | None = None
    push: bool | None = None
    marketing: bool | None = None


class Privacy(Body):
    profileVisibility: Literal["public", "friends", "private"] | None = None
    dataSharing: bool | None = None


class Units(Body):
    height: Literal["cm", "in"] | None = None
    weight: Literal["kg", "lbs"] | None = None


class PreferencesPatch(Body):
    notifications: Notifications | None = None
    privacy: Privacy | None = None
    units: Units | None = None


class ProfilePatch(Body):
    firstName: Name | None = None
    lastName: Name | None = None
    dateOfBirth: BirthDate | None = None
    gender: Literal["male", "female", "non_binary", "prefer_not_to_say"] | None = None
    phoneNumber: Phone | None = None
    preferences: PreferencesPatch | None = None

    never_null: ClassVar[tuple[str, ...]] = ("firstName", "lastName")

    @field_validator(*never_null, mode="after")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return not_null(value)


class PasswordChange(Body):
    currentPassword: Annotated[str, Field(min_length=1, max_length=128)]
    newPassword: Password


class AccountDeletion(Body):
    password: Annotated[str, Field(min_length=1, max_length=128)]


class AddressBody(Body):
    firstName: Name
    lastName: Name
    street: Text
    apartment: Annotated[str, StringConstraints(max_length=100)] | None = None
    city: Text
    state: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
    zipCode: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,11}$")]
    country: Country
    phone: Phone | None = None


class AddressIn(AddressBody):
    isDefault: bool = False


def postal_address(body: AddressBody | AddressPatch) -> Address:
    """The address's parts given, in the domain's words (``isDefault`` is the book's, not the
    address's)."""
    return Address(**in_domain_words(body.model_dump(exclude={"isDefault"}, exclude_none=True)))


class AddressPatch(Body):
    firstName: Name | None = None
    lastName: Name | None = None
    street: Text | None = None
    apartment: Annotated[str, StringConstraints(max_length=100)] | None = None
    city: Text | None = None
    state: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    zipCode: Annotated[
        str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,11}$")] | None = None
    country: Country | None = None
    phone: Phone | None = None
    isDefault: bool | None = None


# -- catalog ----------------------------------------------------------------------------------
class ImageIn(Body):
    url: Annotated[str, StringConstraints(pattern=HTTPS_URL, max_length=2048)]
    type: Literal["front", "back", "side", "detail", "lifestyle"]
    resolution: Literal["low", "medium", "high", "4k"] = "high"


class Model3DIn(Body):
    url: Annotated[str, StringConstraints(pattern=HTTPS_URL, max_length=2048)]
    format: Literal["glb", "gltf", "fbx"]
    size: Annotated[str, StringConstraints(max_length=20)] | None = None
    polycount: Annotated[int, Field(ge=0, le=50_000_000), WholeNumber] | None = None


class VariantIn(Body):
    size: Short
    color: Short
    colorHex: HexColor
    stock: Annotated[int, Field(ge=0, le=1_000_000), WholeNumber]
    sku: Short
    price: Money | None = None


class VariantPatch(Body):
    size: Short | None = None
    color: Short | None = None
    colorHex: HexColor | None = None
    stock: Annotated[int, Field(ge=0, le=1_000_000), WholeNumber] | None = None
    sku: Short | None = None
    price: Money | None = None

    never_null: ClassVar[tuple[str, ...]] = ("stock",)

    @field_validator(*never_null, mode="after")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return not_null(value)


SizeGuide = dict[Annotated[str, StringConstraints(min_length=1, max_length=16)],
                 dict[Annotated[str, StringConstraints(min_length=1, max_length=32)],
                      Annotated[float, Field(ge=0, le=500)]]]


class SizingIn(Body):
    fit: Literal["slim", "regular", "relaxed", "oversized"]
    sizeGuide: Annotated[SizeGuide, Field(max_length=30)] = {}


class Dimensions(Body):
    length: Annotated[float, Field(ge=0, le=1000)]
    width: Annotated[float, Field(ge=0, le=1000)]
    height: Annotated[float, Field(ge=0, le=1000)]


class ShippingIn(Body):
    weight: Annotated[float, Field(ge=0, le=1000)]
    dimensions: Dimensions
    freeShippingThreshold: Money | None = None


class ProductIn(Body):
    name: Text
    description: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    detailedDescription: LongText | None = None
    price: Money
    originalPrice: Money | None = None
    currency: Literal["USD", "EUR", "GBP", "CAD", "AUD"] = "USD"
    brand: Text
    category: Category
    subcategory: Short | None = None
    specifications: Annotated[dict[Short, Annotated[str, StringConstraints(max_length=200)]],
                              Field(max_length=50)] = {}
    sizing: SizingIn | None = None
    images: Annotated[list[ImageIn], Field(max_length=20)] = []
    model3D: Model3DIn | None = None
    variants: Annotated[list[VariantIn], Field(max_length=100)] = []
    relatedProducts: Annotated[list[ProductId], Field(max_length=20)] = []
    tryonAvailable: bool = False
    tags: Annotated[list[Short], Field(max_length=30)] = []
    material: Text | None = None
    careInstructions: Annotated[str, StringConstraints(max_length=500)] | None = None
    returnPolicy: Annotated[str, StringConstraints(max_length=500)] | None = None
    shipping: ShippingIn | None = None


class ProductPatch(Body):
    name: Text | None = None
    description: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = None
    detailedDescription: LongText | None = None
    price: Money | None = None
    originalPrice: Money | None = None
    currency: Literal["USD", "EUR", "GBP", "CAD", "AUD"] | None = None
    brand: Text | None = None
    category: Category | None = None
    subcategory: Short | None = None
    specifications: Annotated[dict[Short, Annotated[str, StringConstraints(max_length=200)]],
                              Field(max_length=50)] | None = None
    sizing: SizingIn | None = None
    images: Annotated[list[ImageIn], Field(max_length=20)] | None = None
    model3D: Model3DIn | None = None
    relatedProducts: Annotated[list[ProductId], Field(max_length=20)] | None = None
    tryonAvailable: bool | None = None
    tags: Annotated[list[Short], Field(max_length=30)] | None = None
    material: Text | None = None
    careInstructions: Annotated[str, StringConstraints(max_length=500)] | None = None
    returnPolicy: Annotated[str, StringConstraints(max_length=500)] | None = None
    shipping: ShippingIn | None = None

    # Leaving a field out keeps it; null would blank a field that every product must have.
    never_null: ClassVar[tuple[str, ...]] = (
        "name", "price", "currency", "category", "specifications", "images", "relatedProducts",
        "tryonAvailable", "tags", "shipping")

    @field_validator(*never_null, mode="after")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return not_null(value)


class ReviewIn(Body):
    rating: Annotated[int, Field(ge=1, le=5), WholeNumber]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=2000)]


# -- cart and orders --------------------------------------------------------------------------
class CartItemIn(Body):
    productId: ProductId
    variantId: VariantId
    quantity: Annotated[int, Field(ge=1, le=99), WholeNumber] = 1
    metadata: Annotated[dict[Annotated[str, StringConstraints(max_length=64)], Scalar],
                        Field(max_length=20)] = {}


class QuantityPatch(Body):
    quantity: Annotated[int, Field(ge=1, le=99), WholeNumber]


class CouponIn(Body):
    couponCode: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=32)]


class OrderIn(Body):
    shippingAddressId: AddressId | None = None
    shippingAddress: AddressBody | None = None
    billingAddress: AddressBody | None = None
    shippingMethod: Literal["standard", "express", "overnight"] = "standard"
    notes: Annotated[str, StringConstraints(max_length=500)] | None = None

    @model_validator(mode="after")
    def one_shipping_address(self) -> OrderIn:
        if self.shippingAddressId is not None and self.shippingAddress is not None:
            raise ValueError("Give shippingAddressId or shippingAddress, not both")
        return self


class CancelIn(Body):
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class ShipIn(Body):
    trackingNumber: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{4,40}$")]
    carrier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2,
                                              max_length=32)]


class RefundIn(Body):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                             max_length=500)]


# -- payments ---------------------------------------------------------------------------------
class PaymentOrderIn(Body):
    orderId: OrderId


class VerifyPaymentIn(Body):
    paymentOrderId: PaymentId
    transactionId: TransactionId
    signature: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class SandboxPayIn(Body):
    cardNumber: Annotated[str, StringConstraints(pattern=r"^[0-9]{12,19}$")]
    expiryMonth: Annotated[int, Field(ge=1, le=12), WholeNumber]
    expiryYear: Annotated[int, Field(ge=2000, le=2100), WholeNumber]
    cvc: Annotated[str, StringConstraints(pattern=r"^[0-9]{3,4}$")]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["payment.succeeded", "payment.failed", "payment.refunded"]
    data: dict[str, Any]


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


# -- studio -----------------------------------------------------------------------------------
class ScanImage(Body):
    url: Annotated[str, StringConstraints(max_length=2048)]
    pose: Literal["front", "side_left", "side_right", "back", "custom", "side"]
    quality: Annotated[float, Field(ge=0, le=1)] | None = None
    # degrees the camera looked down from level (negative: up) as the phone's motion sensor
    # read it when the photo was taken; the scan estimates it when absent (docs/scan.md)
    cameraPitchDeg: Annotated[float, Field(ge=-45, le=45, allow_inf_nan=False)] | None = None


class ScanPreferences(Body):
    bodyType: Literal["slim", "athletic", "curvy", "plus_size"] | None = None
    height: Annotated[int, Field(ge=100, le=250), WholeNumber]  # cm; it scales the body
    weight: Annotated[float, Field(ge=30, le=300)] | None = None
    gender: Literal["male", "female", "non_binary", "prefer_not_to_say"] | None = None
    preferences: Annotated[list[Short], Field(max_length=20)] = []


Centimetres = Annotated[float, Field(ge=10, le=250)]


class BodyMeasurements(Body):
    chest: Centimetres | None = None
    waist: Centimetres | None = None
    hips: Centimetres | None = None
    shoulderWidth: Centimetres | None = None
    armLength: Centimetres | None = None
    legLength: Centimetres | None = None


class ScanRequestIn(Body):
    scanType: Literal["photo_based", "video_based", "body_measurement"]
    images: Annotated[list[ScanImage], Field(max_length=10)] = []
    userPreferences: ScanPreferences
    name: Name | None = None
    measurements: BodyMeasurements | None = None

    @model_validator(mode="after")
    def inputs_match_type(self) -> ScanRequestIn:
        if self.scanType == "photo_based" and not 3 <= len(self.images) <= 10:
            raise ValueError("photo_based scans need 3 to 10 images")
        if self.scanType == "video_based" and len(self.images) != 1:
            raise ValueError("video_based scans take exactly one scan_video upload")
        if self.scanType == "body_measurement" and self.images:
            raise ValueError("body_measurement scans take no images")
        return self


class AvatarPatch(Body):
    name: Name


class PoseIn(Body):
    type: Literal["preset", "custom"] = "preset"
    presetName: Annotated[str, StringConstraints(max_length=64)] = "standing_neutral"
    customAdjustments: Annotated[dict[Annotated[str, StringConstraints(max_length=32)],
                                      str | float | int],
                                 Field(max_length=10)] = {}


class LightingIn(Body):
    type: Literal["studio", "natural", "custom"] = "studio"
    preset: Annotated[str, StringConstraints(max_length=64)] = "soft_daylight"
    intensity: Annotated[float, Field(ge=0, le=2)] = 1.0


class CameraIn(Body):
    angle: Literal["front", "side", "back", "three_quarter"] = "front"
    zoom: Annotated[float, Field(ge=0.5, le=3.0)] = 1.0
    perspective: Literal["realistic", "high_fashion", "editorial"] = "realistic"


class OutputIn(Body):
    format: Literal["png", "jpg", "webp", "gif"] = "png"
    resolution: Literal["720p", "1080p", "4k"] = "1080p"
    quality: Literal["low", "medium", "high"] = "high"
    background: Literal["transparent", "white", "black", "custom"] = "transparent"
    backgroundColor: HexColor | None = None

    @model_validator(mode="after")
    def custom_needs_colour(self) -> OutputIn:
        if self.background == "custom" and self.backgroundColor is None:
            raise ValueError("background 'custom' needs output.backgroundColor (#RRGGBB)")
        return self


class TryOnIn(Body):
    avatarId: Annotated[str, StringConstraints(pattern=r"^avatar_[a-zA-Z0-9]{9,}$",
                                               max_length=64)]
    productId: ProductId
    variantId: VariantId
    pose: PoseIn = PoseIn()
    lighting: LightingIn = LightingIn()
    camera: CameraIn = CameraIn()
    output: OutputIn = OutputIn()


class ClosetIn(Body):
    productId: ProductId
    variantId: VariantId | None = None
    renderId: Annotated[str, StringConstraints(pattern=r"^render_[a-zA-Z0-9]{9,}$",
                                               max_length=64)] | None = None
    note: Annotated[str, StringConstraints(max_length=500)] | None = None

"""Response shapes for the OpenAPI document: the spec's models, as the read models hold them."""

from __future__ import annotations

from typing import Any, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Envelope(Model, Generic[T]):
    """Every successful JSON answer: ``{"success": true, "data": ...}``."""

    success: Literal[True]
    data: T

    @classmethod
    def of(cls, data: Any) -> Self:
        """The answer around ``data`` (a read model's document), checked against ``T``."""
        return cls.model_validate({"success": True, "data": data})


class Pagination(Model):
    currentPage: int
    totalPages: int
    totalItems: int
    itemsPerPage: int
    hasNext: bool
    hasPrevious: bool


class ListEnvelope(Model, Generic[T]):
    """A page of a list: the envelope with its pagination."""

    success: Literal[True]
    data: list[T]
    pagination: Pagination

    @classmethod
    def of(cls, data: list[Any], pagination: Any) -> Self:
        return cls.model_validate({"success": True, "data": data, "pagination": pagination})


class RecordedAggregate(Model):
    type: str
    id: str


class Accepted(Model):
    """A command that was recorded but whose result cannot be shown yet (the read models lag
    behind, or the database went away after the commit): what it recorded
    (``adapters.http.middleware.accepted_body``)."""

    status: Literal["accepted"]
    message: str
    recorded: list[RecordedAggregate]
    positions: dict[str, int]


class FieldError(Model):
    field: str
    message: str
    code: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorResponse(Model):
    success: Literal[False]
    error: ErrorBody


class User(Model):
    id: str
    email: str
    firstName: str
    lastName: str
    avatar: str | None
    emailVerified: bool
    phoneVerified: bool
    createdAt: str
    updatedAt: str


class AuthTokens(Model):
    accessToken: str
    accessTokenExpires: str
    refreshToken: str
    refreshTokenExpires: str


class SignedIn(Model):
    user: User
    tokens: AuthTokens


class Address(Model):
    id: str
    firstName: str
    lastName: str
    street: str
    apartment: str | None = None
    city: str
    state: str
    zipCode: str
    country: str
    phone: str | None = None
    isDefault: bool


class Stats(Model):
    avatarScans: int
    tryOnsGenerated: int
    ordersPlaced: int
    totalSpent: float


class UserProfile(User):
    dateOfBirth: str | None
    gender: str | None
    phoneNumber: str | None
    preferences: dict[str, Any]
    addresses: list[Address]
    stats: Stats


class Variant(Model):
    id: str
    size: str | None
    color: str | None
    colorHex: str | None
    stock: int
    sku: str | None
    price: float


class Rating(Model):
    average: float
    count: int


class Product(Model):
    id: str
    name: str
    description: str | None
    price: float
    originalPrice: float | None
    currency: str
    brand: str | None
    category: str
    subcategory: str | None
    images: list[dict[str, Any]]
    model3D: dict[str, Any] | None
    variants: list[Variant]
    rating: Rating
    tryonAvailable: bool
    tags: list[str]
    createdAt: str
    updatedAt: str


class Review(Model):
    id: str
    userId: str
    userName: str
    rating: int
    title: str
    comment: str
    helpful: int
    verified: bool
    createdAt: str


class ProductDetail(Product):
    detailedDescription: str | None
    specifications: dict[str, Any]
    sizing: dict[str, Any] | None
    reviews: list[Review]
    relatedProducts: list[str]
    material: str | None
    careInstructions: str | None
    returnPolicy: str | None
    shipping: dict[str, Any]


class CartProduct(Model):
    id: str
    name: str
    price: float
    image: str | None
    brand: str | None


class CartItem(Model):
    id: str
    product: CartProduct
    variantId: str
    quantity: int
    addedAt: str
    metadata: dict[str, Any]
    # The product's price now (what the order charges) may differ from the price when added.
    priceChanged: bool = False
    priceWhenAdded: float | None = None


class Cart(Model):
    id: str
    items: list[CartItem]
    subtotal: float
    tax: float
    shipping: float
    discount: float
    total: float
    itemCount: int
    couponCode: str | None
    estimatedDelivery: str | None
    updatedAt: str


class OrderItem(Model):
    id: str
    product: CartProduct
    variantId: str
    size: str | None
    color: str | None
    quantity: int


OrderStatus = Literal["pending", "processing", "confirmed", "shipped", "delivered", "cancelled",
                      "refunded"]


class Order(Model):
    id: str
    userId: str
    items: list[OrderItem]
    subtotal: float
    tax: float
    shipping: float
    discount: float
    totalAmount: float
    currency: str
    status: OrderStatus
    paymentStatus: Literal["pending", "completed", "failed", "refunded", "cancelled"]
    shippingMethod: str
    trackingNumber: str | None
    trackingUrl: str | None
    carrier: str | None
    estimatedDelivery: str
    notes: str | None
    couponCode: str | None
    createdAt: str
    updatedAt: str


class TimelineEntry(Model):
    status: str
    timestamp: str
    message: str


class OrderDetail(Order):
    shippingAddress: dict[str, Any]
    billingAddress: dict[str, Any]
    paymentMethod: dict[str, Any] | None
    payment: dict[str, Any] | None
    timeline: list[TimelineEntry]


class PaymentAttempt(Model):
    """A card that was declined; the payment order stayed payable."""

    outcome: Literal["declined"]
    reason: str
    last4: str | None
    brand: str | None
    at: str


class PaymentRefund(Model):
    refundId: str
    amount: float
    reason: str
    refundedAt: str


class PaymentOrder(Model):
    paymentOrderId: str
    orderId: str
    amount: float
    currency: str
    # "declined": only in read models built before declines became attempts (rebuild them)
    status: Literal["pending", "authorized", "verified", "refunded", "voided", "declined"]
    paymentUrl: str
    transactionId: str | None
    createdAt: str
    attempts: list[PaymentAttempt] = []
    refund: PaymentRefund | None = None


class TransactionDetails(Model):
    amount: float
    currency: str
    paymentMethod: str
    last4: str | None
    brand: str | None
    processedAt: str


class PaymentVerification(Model):
    paymentId: str
    status: Literal["verified"]
    orderId: str
    transactionDetails: TransactionDetails


class SandboxResult(Model):
    paymentOrderId: str
    transactionId: str
    signature: str


class Received(Model):
    received: bool


# -- studio -----------------------------------------------------------------------------------
class UploadOut(Model):
    id: str
    url: str
    contentType: str
    size: int
    expiresAt: str


class AvatarModel3D(Model):
    url: str
    format: str
    size: str | None
    polycount: int | None
    textures: list[str]


class AvatarPreview(Model):
    thumbnail: str
    fullSize: str


class Avatar(Model):
    id: str
    name: str
    status: Literal["active", "archived", "processing"]
    model: AvatarModel3D | None
    preview: AvatarPreview | None
    measurements: dict[str, float] | None
    qualityScore: float | None
    processingTime: int | None
    scanId: str
    scanType: str
    createdAt: str
    updatedAt: str


class ScanPhotoReport(Model):
    """What the scan made of one photo (or chosen video frame), and what it saw in it."""

    index: int
    pose: str
    status: Literal["accepted", "refused"]
    code: str | None = None
    message: str | None = None
    overlayUrl: str | None = None  # signed, expiring, for the owner's token alone


class ScanStatus(Model):
    scanId: str
    status: Literal["queued", "processing", "completed", "failed"]
    progress: int
    stage: str
    estimatedTimeRemaining: int
    messages: list[str]
    avatarId: str | None = None
    error: dict[str, Any] | None = None
    photos: list[ScanPhotoReport] = []


class RenderStatus(Model):
    renderId: str
    status: Literal["queued", "processing", "completed", "failed", "cancelled"]
    progress: int
    stage: str
    estimatedTimeRemaining: int
    previewUrl: str | None
    resultUrl: str | None
    avatarId: str
    productId: str
    variantId: str
    request: dict[str, Any]
    fit: dict[str, Any] | None
    output: dict[str, Any] | None = None
    createdAt: str
    completedAt: str | None
    error: dict[str, Any] | None = None


class ClosetItem(Model):
    id: str
    product: CartProduct
    variantId: str | None
    renderId: str | None
    note: str | None
    addedAt: str

"""SQLAlchemy 2.x ORM classes: the schema of the dashboard, one module per aggregate."""
from models.alerts import AlertEvent, AlertRule, AllowedWebhook
from models.base import Base
from models.catalogue import Brand, Campaign, Product
from models.imports import AuditEvent, DataState, ImportBatch
from models.influencers import Influencer, Post
from models.orders import Order
from models.payouts import Payout
from models.reports import Delivery, Subscription
from models.rollups import DailyFact
from models.saved_views import SavedView
from models.tokens import ApiToken
from models.users import User, UserBrand, UserSession

__all__ = [
    "AlertEvent", "AlertRule", "AllowedWebhook", "ApiToken", "AuditEvent", "Base", "Brand",
    "Campaign", "DailyFact", "DataState", "Delivery", "ImportBatch", "Influencer", "Order",
    "Payout", "Post", "Product", "SavedView", "Subscription", "User", "UserBrand",
    "UserSession",
]

"""The world the demo data simulates: its span, platforms, tiers, brands, prices and rates."""
import numpy as np

# The shipped sample's size (tracking rows) and the span every data set covers.
DEFAULT_SCALE = 3_000
START_DAY = np.datetime64("2024-01-01")
END_DAY = np.datetime64("2025-12-31")
SPAN_DAYS = int((END_DAY - START_DAY).astype(int)) + 1
# A post lifts orders on the day it goes out and the six days after, decaying by LIFT_DECAY.
POST_WINDOW_DAYS = 7
LIFT_DECAY = 0.6
# Planted diminishing returns (docs/planner.md): n posts of a creator in one month bring
# saturation x (1 - exp(-n / posts_scale)) in lift, whatever the month's length. The posts
# scale is drawn around a platform and tier level; months are busy or quiet (a creator's
# monthly activity is gamma-distributed), so the curve can be learned from the data.
PLATFORM_POSTS_SCALE = np.array([2.0, 1.2, 3.0, 2.5])
TIER_POSTS_SCALE = np.array([1.3, 1.1, 1.0, 0.9, 0.8])
POSTS_SCALE_SPREAD = 0.3
MONTH_ACTIVITY_SHAPE = 0.7
# Orders per tracking row on average, and the average paid share of list price.
MEAN_ORDERS_PER_ROW = 1.16
MEAN_PRICE_PAID = 0.925
# Fewer creators cannot fill every tier and still leave some without posts or orders.
MIN_CREATORS = 10

PLATFORMS = np.array(["Instagram", "YouTube", "Twitter", "TikTok"], dtype=object)
PLATFORM_SHARE = [0.45, 0.20, 0.15, 0.20]
# Share of followers a post reaches, (likes + comments) / reach, the comment part of that
# engagement, and posts a creator makes in two years: each differs by platform.
PLATFORM_REACH_RATE = np.array([0.30, 0.45, 0.12, 0.60])
PLATFORM_ENGAGEMENT = np.array([0.035, 0.045, 0.012, 0.070])
PLATFORM_COMMENT_SHARE = np.array([0.08, 0.12, 0.20, 0.05])
PLATFORM_POSTS = np.array([26.0, 10.0, 30.0, 30.0])
# Tracking `source` per platform; promo-code orders carry no platform.
SOURCES = np.array(["instagram", "youtube", "twitter", "tiktok", "promo_code"], dtype=object)
PROMO_CODE_SHARE = 0.22

CATEGORIES = np.array(["Fitness", "Nutrition", "Lifestyle", "Health", "Parenting"],
                      dtype=object)
CATEGORY_SHARE = [0.30, 0.20, 0.20, 0.18, 0.12]
GENDERS = np.array(["F", "M", ""], dtype=object)
GENDER_SHARE = [0.49, 0.49, 0.02]

TIERS = ("nano", "micro", "mid", "macro", "mega")
TIER_SHARE = np.array([0.30, 0.35, 0.20, 0.09, 0.06])
# Follower bounds per tier (DATASETS.md's cut points) and the Pareto tail inside each.
TIER_FOLLOWERS = [(1_000, 10_000), (10_000, 100_000), (100_000, 500_000),
                  (500_000, 1_000_000), (1_000_000, 40_000_000)]
FOLLOWER_PARETO_ALPHA = 1.2
# Small creators engage their audience more than big ones.
TIER_ENGAGEMENT = np.array([1.5, 1.2, 1.0, 0.8, 0.6])
# What a post costs by tier when a creator's fee cannot be derived from its revenue (INR).
TIER_POST_FEE = np.array([3_000.0, 12_000.0, 40_000.0, 90_000.0, 250_000.0])

BRANDS = np.array(["MuscleBlaze", "HKVitals", "Gritzo"], dtype=object)
BRAND_CODES = ("MB", "HKV", "GZ")
# Which brands a creator of each category sells (MuscleBlaze, HKVitals, Gritzo).
CATEGORY_BRAND_AFFINITY = np.array([
    [0.75, 0.20, 0.05],   # Fitness
    [0.45, 0.45, 0.10],   # Nutrition
    [0.30, 0.60, 0.10],   # Lifestyle
    [0.15, 0.75, 0.10],   # Health
    [0.05, 0.25, 0.70],   # Parenting
])
# (brand index, product, price in INR, popularity within its brand)
CATALOGUE = (
    (0, "Whey Protein", 2899.0, 0.40), (0, "Creatine", 799.0, 0.20),
    (0, "Mass Gainer", 1999.0, 0.15), (0, "BCAA", 1299.0, 0.12),
    (0, "Pre-Workout", 1499.0, 0.13),
    (1, "Multivitamin", 649.0, 0.35), (1, "Fish Oil", 799.0, 0.25),
    (1, "Biotin", 599.0, 0.20), (1, "Apple Cider Vinegar", 499.0, 0.20),
    (2, "Kids Protein", 899.0, 0.60), (2, "SuperMilk", 749.0, 0.40),
)
PRODUCTS = np.array([name for _, name, _, _ in CATALOGUE], dtype=object)
PRODUCT_PRICES = np.array([price for _, _, price, _ in CATALOGUE])
# Orders per tracking row: mostly one, some baskets of two or three, a few cancelled (0).
ORDERS_PER_ROW = np.array([0, 1, 2, 3])
ORDERS_PER_ROW_SHARE = [0.04, 0.80, 0.12, 0.04]
USER_ID_BASE = 10_000_000

FIRST_NAMES = ("Aarav", "Aditi", "Akash", "Ananya", "Arjun", "Diya", "Farhan", "Isha",
               "Kabir", "Kavya", "Meera", "Neha", "Nikhil", "Priya", "Rahul", "Riya",
               "Rohan", "Saanvi", "Sahil", "Sana", "Tara", "Varun", "Vikram", "Zoya",
               "Alex", "Maya", "Leo", "Nina", "Omar", "Sofia")
LAST_NAMES = ("Sharma", "Verma", "Iyer", "Khan", "Patel", "Reddy", "Nair", "Gupta",
              "Singh", "Mehta", "Das", "Kapoor", "Joshi", "Bose", "Menon", "Rao",
              "Fernandes", "Malhotra", "Chopra", "Ali")
CAPTIONS = ("Honest review: {product}", "My morning stack with {product}",
            "Day {day} of the {brand} challenge", "{product}, before and after",
            "Why I switched to {product}", "Q&A: your {brand} questions, answered",
            "3 ways to use {product}", "Unboxing {product} from {brand}")

# Payout terms: which basis a creator with posts and orders is paid on, the ROAS a
# brand aims at when setting a fee, and the share of payouts that do not reconcile.
BASIS_SHARE = {"post": 0.55, "order": 0.30, "both": 0.15}
TARGET_ROAS_MEDIAN = 3.0
NON_RECONCILING_SHARE = 0.03
# Creators with no posts in posts.csv and creators with no tracked orders.
NO_POSTS_SHARE = 0.04
NO_ORDERS_SHARE = 0.04

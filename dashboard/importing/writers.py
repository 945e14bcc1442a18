"""Writing influencers, posts and payouts inside the one import transaction."""
import logging
import resource
import time
from contextlib import contextmanager
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import insert, select, update

from dashboard.importing.validation import duplicates_in_file, quote, resolve_influencers
from models import Brand, Campaign, Influencer, Payout, Post, Product
from models.influencers import tier_for

log = logging.getLogger(__name__)


@contextmanager
def timed(step):
    """Log how long a step of an import took: where a slow import spends its time."""
    started = time.perf_counter()
    yield
    # ru_maxrss is in KB on Linux: the peak so far tells which step set the import's peak.
    log.info("Import step %r took %.2f s (peak memory so far %.0f MB)", step,
             time.perf_counter() - started,
             resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


class ImportContext:
    """What one import transaction knows: the catalogue, the influencers, the problems."""

    def __init__(self, session, problems, chunk_rows):
        self.session = session
        self.connection = session.connection()
        self.dialect = self.connection.dialect.name
        self.problems = problems
        self.chunk_rows = max(1, chunk_rows)
        self.influencers = dict(self.connection.execute(
            select(Influencer.influencer_key, Influencer.id)).all())
        # Keys of influencers.csv rows that failed: a reference to one is not a second problem.
        self.failed_influencer_keys = set()
        self.brands = dict(self.connection.execute(select(Brand.name, Brand.id)).all())
        self.campaigns = dict(self.connection.execute(select(Campaign.name, Campaign.id)).all())
        self.products = {}
        self.product_brand = {}
        for product_id, product_name, brand_id in self.connection.execute(
                select(Product.id, Product.name, Product.brand_id)):
            self.products[product_name] = product_id
            self.product_brand[product_name] = brand_id
        self.changed_influencers = set()

    def ensure(self, table, cache, names):
        """Ids for these names, creating the missing rows (brands, campaigns)."""
        missing = sorted({n for n in names if n not in cache})
        for name in missing:
            cache[name] = self.connection.execute(
                insert(table).values(name=name).returning(table.id)).scalar_one()
        return cache

    def ensure_products(self, product_brands):
        """Add catalogue products, each with the first brand the upload gave it."""
        for product_name, brand_id in product_brands.items():
            if product_name in self.products:
                continue
            self.products[product_name] = self.connection.execute(
                insert(Product).values(name=product_name, brand_id=int(brand_id))
                .returning(Product.id)).scalar_one()
            self.product_brand[product_name] = int(brand_id)


def insert_rows(connection, table, records):
    """INSERT rows given as dicts with the same keys, each value stored as SQLAlchemy would.

    On SQLite, one executemany of plain tuples on the driver: SQLAlchemy's own path spends
    more time building each row's parameters than SQLite spends storing it.
    """
    if not records:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), records)
        return
    names = list(records[0])
    columns = []
    for name in names:
        column_type = table.c[name].type.dialect_impl(connection.dialect)
        processor = column_type.bind_processor(connection.dialect)
        values = [record[name] for record in records]
        columns.append(values if processor is None else [processor(v) for v in values])
    cursor = connection.connection.cursor()
    cursor.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) "
                       f"VALUES ({', '.join('?' * len(names))})", zip(*columns))


def _as_list(values, count):
    """A column as a Python list, None where the column or a value is absent.

    Converted once per chunk: reading cells one by one (Series.iat) cost half of a
    200,000-post import.
    """
    if values is None:
        return [None] * count
    objects = pd.Series(values, copy=False).astype(object)
    return objects.where(objects.notna(), None).tolist()


class InfluencerWriter:
    def __init__(self, context, job, report):
        self.context, self.job, self.report = context, job, report
        self.first_lines = {}
        self.existing = {row.influencer_key: row for row in context.connection.execute(
            select(Influencer.id, Influencer.influencer_key, Influencer.name,
                   Influencer.category, Influencer.gender, Influencer.follower_count,
                   Influencer.platform))}

    def write(self, checked):
        context = self.context
        duplicates_in_file(self.job, checked, "influencer_id", self.first_lines,
                            context.problems)
        values = checked.values
        keys = values["influencer_id"]
        context.failed_influencer_keys.update(keys[checked.bad].tolist())
        good = np.flatnonzero(~checked.bad)
        fresh, changed = [], []
        count = len(checked.lines)
        key_list, names, categories, genders, followers, platforms = (
            _as_list(values[column], count) for column in (
                "influencer_id", "name", "category", "gender", "follower_count", "platform"))
        for i in good.tolist():
            record = {
                "influencer_key": key_list[i], "name": names[i], "category": categories[i],
                "gender": genders[i], "follower_count": int(followers[i]),
                "platform": platforms[i],
            }
            record["tier"] = tier_for(record["follower_count"])
            stored = self.existing.get(record["influencer_key"])
            if stored is None:
                fresh.append(record)
            elif (stored.name, stored.category, stored.gender, stored.follower_count,
                  stored.platform) != (record["name"], record["category"], record["gender"],
                                       record["follower_count"], record["platform"]):
                changed.append({**record, "id": stored.id})
            else:
                self.report.unchanged += 1
        batch_id = self.job.batch.id
        if fresh:
            created = context.connection.execute(
                insert(Influencer).returning(Influencer.influencer_key, Influencer.id),
                [{**r, "import_batch_id": batch_id} for r in fresh]).all()
            context.influencers.update(created)
            context.changed_influencers.update(new_id for _, new_id in created)
        if changed:
            # ORM bulk UPDATE by primary key (a Core update with a list would have no WHERE).
            context.session.execute(update(Influencer), [{**r, "import_batch_id": batch_id}
                                                         for r in changed])
            context.changed_influencers.update(r["id"] for r in changed)
        self.report.new += len(fresh)
        self.report.updated += len(changed)

    def close(self):
        pass


class PostWriter:
    def __init__(self, context, job, report):
        self.context, self.job, self.report = context, job, report
        self.first_urls, self.first_post_ids = {}, {}
        self.existing = {row.post_key: row for row in context.connection.execute(
            select(Post.id, Post.post_key, Post.post_id, Post.influencer_pk, Post.platform,
                   Post.date, Post.url, Post.caption, Post.reach, Post.likes, Post.comments,
                   Post.brand_id))}
        self.key_by_url = {row.url: key for key, row in self.existing.items()}

    def write(self, checked):
        context, name = self.context, self.job.file.name
        values = checked.values
        duplicates_in_file(self.job, checked, "url", self.first_urls, context.problems)
        if values["post_id"] is not None:
            duplicates_in_file(self.job, checked, "post_id", self.first_post_ids,
                                context.problems)
        influencer_pks = resolve_influencers(context, self.job, checked)
        brands = values["brand"]
        if brands is not None:
            context.ensure(Brand, context.brands,
                           brands[~checked.bad & brands.notna().to_numpy()].unique().tolist())
        now = datetime.utcnow()
        fresh, changed = [], []
        count = len(checked.lines)
        post_ids, urls, brand_list, platforms, days, captions, reach, likes, comments = (
            _as_list(values[column], count) for column in (
                "post_id", "url", "brand", "platform", "date", "caption", "reach", "likes",
                "comments"))
        influencer_pk_list = influencer_pks.tolist()
        for i in np.flatnonzero(~checked.bad).tolist():
            post_id, url, brand = post_ids[i], urls[i], brand_list[i]
            record = {
                "post_id": post_id, "influencer_pk": int(influencer_pk_list[i]),
                "platform": platforms[i], "date": date.fromisoformat(days[i]), "url": url,
                "caption": captions[i], "reach": int(reach[i]), "likes": int(likes[i]),
                "comments": int(comments[i]),
                "brand_id": None if brand is None else context.brands[brand],
            }
            key = post_id or url
            record["post_key"] = key
            owner = self.key_by_url.get(url)
            stored = self.existing.get(key)
            if stored is None and owner is not None and owner in self.existing \
                    and self.existing[owner].post_id is None:
                # First uploaded without a post_id: the same post, now with its id.
                stored = self.existing[owner]
            elif owner is not None and owner != key:
                context.problems.add(name, int(checked.lines[i]), "url",
                                     f"url {quote(url)} already belongs to another post "
                                     f"({quote(owner)}); a url must be unique.")
                checked.bad[i] = True
                continue
            if stored is None:
                fresh.append(record)
                self.key_by_url[url] = key
            elif tuple(getattr(stored, c) for c in record) != tuple(record.values()):
                changed.append({**record, "id": stored.id})
                context.changed_influencers.add(stored.influencer_pk)
                self.key_by_url.pop(stored.url, None)
                self.key_by_url[url] = key
            else:
                self.report.unchanged += 1
        batch_id = self.job.batch.id
        if fresh:
            insert_rows(context.connection, Post.__table__, [
                {**r, "import_batch_id": batch_id, "updated_at": now} for r in fresh])
        if changed:
            context.session.execute(update(Post), [
                {**r, "import_batch_id": batch_id, "updated_at": now} for r in changed])
        context.changed_influencers.update(r["influencer_pk"] for r in fresh + changed)
        self.report.new += len(fresh)
        self.report.updated += len(changed)

    def close(self):
        pass


class PayoutWriter:
    def __init__(self, context, job, report):
        self.context, self.job, self.report = context, job, report
        self.first_lines = {}
        self.existing = {(row.influencer_pk, row.basis): row
                         for row in context.connection.execute(
                             select(Payout.id, Payout.influencer_pk, Payout.basis, Payout.rate,
                                    Payout.orders, Payout.total_payout))}

    def write(self, checked):
        context = self.context
        values = checked.values
        influencer_pks = resolve_influencers(context, self.job, checked)
        pair = values["influencer_id"] + " / " + values["basis"].fillna("")
        duplicates_in_file(self.job, checked, "influencer_id", self.first_lines,
                            context.problems, key=pair)
        orders = values["orders"]
        fresh, changed = [], []
        for i in np.flatnonzero(~checked.bad).tolist():
            record = {
                "influencer_pk": int(influencer_pks[i]), "basis": values["basis"].iat[i],
                "rate": float(values["rate"][i]),
                "orders": None if orders is None or np.isnan(orders[i]) else int(orders[i]),
                "total_payout": float(values["total_payout"][i]),
            }
            stored = self.existing.get((record["influencer_pk"], record["basis"]))
            if stored is None:
                fresh.append(record)
            elif (stored.rate, stored.orders, stored.total_payout) != (
                    record["rate"], record["orders"], record["total_payout"]):
                changed.append({**record, "id": stored.id})
            else:
                self.report.unchanged += 1
        batch_id = self.job.batch.id
        if fresh:
            context.connection.execute(insert(Payout), [
                {**r, "import_batch_id": batch_id} for r in fresh])
        if changed:
            context.session.execute(update(Payout), [
                {**r, "import_batch_id": batch_id} for r in changed])
        context.changed_influencers.update(r["influencer_pk"] for r in fresh + changed)
        self.report.new += len(fresh)
        self.report.updated += len(changed)

    def close(self):
        pass

"""The cache of a host without Redis: files shared by the workers, no count file, pruned."""
import os

import pandas as pd

from dashboard import analytics, create_app
from dashboard.extensions import LocalFileCache, cache
from tests.helpers import import_tiny


def test_the_app_without_redis_caches_in_files_with_no_count_kept(sqlite_url, tmp_path):
    # The configuration of `make run`: no REDIS_URL, no CACHE_TYPE.
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": sqlite_url,
                      "INSTANCE_PATH": str(tmp_path / "instance"), "REDIS_URL": None,
                      "CACHE_DIR": str(tmp_path / "cache"), "WARM_AFTER_IMPORT": "wait"})
    import_tiny(app)
    with app.app_context():
        assert isinstance(cache.cache, LocalFileCache)
        first = analytics.metrics(analytics.Selection(), "influencer", scope=None)
        stats = analytics.cache_stats()
    with app.app_context():
        again = analytics.metrics(analytics.Selection(), "influencer", scope=None)
        assert analytics.cache_stats()["hits"] == stats["hits"] + 1
        # cachelib's count file is named after the hash of "__wz_cache_count".
        count_file = cache.cache._get_filename(cache.cache._fs_count_file)
    pd.testing.assert_frame_equal(first, again)
    assert os.listdir(tmp_path / "cache") and not os.path.exists(count_file)
    app.extensions["database_engine"].dispose()


def test_a_second_process_reads_what_the_first_wrote(tmp_path):
    writer, reader = LocalFileCache(str(tmp_path)), LocalFileCache(str(tmp_path))
    writer.set("result", {"revenue": 12.5})
    assert reader.get("result") == {"revenue": 12.5}
    assert not reader.add("result", 1) and reader.add("other", 1)


def test_pruning_drops_expired_results_then_the_ones_that_expire_first(tmp_path):
    files = LocalFileCache(str(tmp_path), threshold=3)
    files.set("gone", 1, timeout=1)
    for index in range(4):
        files.set(f"kept-{index}", index, timeout=100 + index)
    files.set("forever", "x", timeout=0)
    files.prune(now=files._normalize_timeout(50))
    assert files.get("gone") is None and files.get("kept-0") is None
    assert files.get("kept-1") is None
    assert [files.get(f"kept-{index}") for index in (2, 3)] == [2, 3]
    assert files.get("forever") == "x"


def test_every_hundredth_write_of_a_process_prunes(tmp_path):
    files = LocalFileCache(str(tmp_path), threshold=10)
    for index in range(LocalFileCache.PRUNE_EVERY - 1):
        files.set(f"result-{index}", index)
    assert len(os.listdir(tmp_path)) == LocalFileCache.PRUNE_EVERY - 1
    files.set("one-more", 1)
    assert len(os.listdir(tmp_path)) == 10

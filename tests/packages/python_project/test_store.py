"""pytest-secantus with Debian's pymongo: CRUD, indexes, transactions, and a clear start-up error."""
import pytest
from pymongo import ASCENDING, MongoClient
from pymongo.errors import DuplicateKeyError

from pytest_secantus import SecantusServer, find_command


@pytest.fixture
def db(mongodb_uri, request):
    client = MongoClient(mongodb_uri)
    database = client["t_" + request.node.name]
    yield database
    client.drop_database(database.name)
    client.close()


def test_fixture_shape(secantus_server, mongodb_uri):
    assert secantus_server.port > 0
    assert mongodb_uri == secantus_server.uri
    assert mongodb_uri.startswith(f"mongodb://127.0.0.1:{secantus_server.port}/")


def test_crud(db):
    db.items.insert_many([{"_id": i, "n": i * i} for i in range(10)])
    assert db.items.count_documents({"n": {"$gte": 25}}) == 5
    db.items.update_one({"_id": 3}, {"$set": {"tag": "three"}})
    assert db.items.find_one({"tag": "three"})["n"] == 9
    db.items.delete_many({"_id": {"$lt": 5}})
    assert [d["_id"] for d in db.items.find().sort("_id", ASCENDING)] == [5, 6, 7, 8, 9]


def test_unique_index(db):
    db.users.create_index([("email", ASCENDING)], unique=True)
    db.users.insert_one({"email": "a@example.com"})
    with pytest.raises(DuplicateKeyError):
        db.users.insert_one({"email": "a@example.com"})
    assert "email_1" in db.users.index_information()


def test_transaction_commit_and_abort(db):
    client = db.client
    db.create_collection("accounts")
    with client.start_session() as session:
        with session.start_transaction():
            db.accounts.insert_one({"_id": "a", "balance": 5}, session=session)
    with client.start_session() as session:
        session.start_transaction()
        db.accounts.insert_one({"_id": "b", "balance": 1}, session=session)
        session.abort_transaction()
    assert [d["_id"] for d in db.accounts.find()] == ["a"]


def test_bad_flag_reports_the_log_tail(request):
    server = SecantusServer(find_command(request.config.getoption("secantus_bin")), args=["--no-such-flag"])
    with pytest.raises(RuntimeError, match=r"(?s)before it was ready.*unknown flag --no-such-flag"):
        server.start()

"""An `AsyncMock()` or patched session accepts any query, any call order and any data: it never
rejects a duplicate key, a NULL in a NOT NULL column, a misspelt column or a transaction that was
never committed, and it returns whatever rows the test invented. Those are exactly the bugs an
integration test should catch. A real SQLAlchemy engine (a SQLite file in tmp_path by default, the
team's PostgreSQL when `DATABASE_URL` is set) runs the app's real queries against a real schema; on
a shared database each test's writes are rolled back afterwards, so tests stay independent.
"""

import os

import pytest
from sqlalchemy import String, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


# Stand-ins for the app's code: from app.models import Base, User; from app.users import register
class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)


def register(session: Session, email: str) -> User:
    user = User(email=email)
    session.add(user)
    session.commit()
    return user


@pytest.fixture
def session(tmp_path):
    engine = create_engine(os.environ.get("DATABASE_URL", f"sqlite:///{tmp_path / 'test.db'}"))
    with engine.connect() as connection, connection.begin() as transaction:
        Base.metadata.create_all(connection)
        # The app's commits become savepoints and the test's writes are rolled back afterwards:
        # that keeps a shared DATABASE_URL clean (the default SQLite file is new for every test).
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
        transaction.rollback()
    engine.dispose()


def test_register_stores_one_user_per_email(session):
    register(session, "ada@example.com")
    assert session.scalars(select(User.email)).all() == ["ada@example.com"]
    with pytest.raises(IntegrityError):
        register(session, "ada@example.com")

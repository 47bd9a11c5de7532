"""Request and response schemas, kept apart from the ORM models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from sigmasight.services.passwords import check_new_password

#: A password being set: length bounds here, strength rules in services.passwords.
NewPassword = Annotated[
    str, Field(min_length=8, max_length=256), AfterValidator(check_new_password)
]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text may not contain NUL characters")  # PostgreSQL refuses them
    return value


class UserCreate(BaseModel):
    email: EmailStr
    password: NewPassword
    name: Annotated[str, AfterValidator(_no_nul)] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _password_is_not_the_email(self) -> UserCreate:
        check_new_password(self.password, self.email)
        return self


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    created_at: datetime


class LoginRequest(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: NewPassword


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class Message(BaseModel):
    message: str

"""Generated values validate against the schemas they came from (checked by pydantic, not by ourselves)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

import pytest
from openai.lib._pydantic import to_strict_json_schema
from pydantic import BaseModel, Field

from scenarios.schema_values import instance


class Color(StrEnum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    city: str = Field(min_length=12)
    zip_code: str | None = None


class Person(BaseModel):
    name: str
    age: int = Field(ge=18, le=120)
    height: float = Field(gt=1.5)
    born: date
    favourite: Color
    kind: Literal["human"]
    tags: list[str] = Field(min_length=2, max_length=3)
    home: Address
    others: list[Address]


@pytest.mark.parametrize("schema_of", [Person.model_json_schema, lambda: to_strict_json_schema(Person)])
def test_instance_of_a_nested_pydantic_schema_validates(schema_of: object) -> None:
    value = instance(schema_of())  # type: ignore[operator]
    Person.model_validate(value)


def test_the_same_schema_always_gives_the_same_value() -> None:
    schema = to_strict_json_schema(Person)
    assert instance(schema) == instance(schema)


def test_defaults_examples_and_enums_are_preferred() -> None:
    schema = {
        "type": "object",
        "properties": {
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "city": {"type": "string", "examples": ["Paris"]},
            "days": {"type": "integer", "default": 3},
        },
        "required": ["unit", "city", "days"],
    }
    assert instance(schema) == {"unit": "celsius", "city": "Paris", "days": 3}


def test_only_required_properties_unless_additional_properties_is_false() -> None:
    loose = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["a"]}
    assert instance(loose) == {"a": "example"}
    assert set(instance({**loose, "additionalProperties": False})) == {"a", "b"}


def test_refs_any_of_and_nullable_types() -> None:
    schema = {
        "$defs": {"Point": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}},
        "type": "object",
        "properties": {
            "where": {"$ref": "#/$defs/Point"},
            "maybe": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 5}]},
            "either": {"type": ["null", "boolean"]},
        },
        "required": ["where", "maybe", "either"],
    }
    assert instance(schema) == {"where": {"x": 0}, "maybe": 5, "either": True}

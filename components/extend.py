"""Extends TFX's standard components: extra (runtime) parameters, and our executor classes."""

from typing import Any, Dict, TypeVar, Union

from tfx.dsl.components.base import base_executor, executor_spec
from tfx.dsl.components.base.base_component import BaseComponent
from tfx.orchestration import data_types
from tfx.types.component_spec import ComponentSpec, ExecutionParameter

Component = TypeVar("Component", bound=BaseComponent)
Value = Union[int, float, str, data_types.RuntimeParameter]


def _ptype(value: Value) -> type:
    if isinstance(value, data_types.RuntimeParameter):
        if value.ptype is None:
            raise ValueError(f"runtime parameter {value.name} needs a ptype")
        return value.ptype
    return type(value)


def add_parameters(component: Component, **values: Value) -> Component:
    """Returns `component` with extra parameters, which its executor (ours) consumes.

    TFX's compilers turn only top-level execution parameters into pipeline parameters, and
    train steps, trials or a metric threshold are nested in protos or custom_config.
    """
    spec: ComponentSpec = component.spec
    base = type(spec)
    clash = set(values) & set(base.PARAMETERS)
    if clash:
        raise ValueError(f"{base.__name__} already has parameters {sorted(clash)}")
    parameters: Dict[str, Any] = {name: ExecutionParameter(type=_ptype(value)) for name, value in values.items()}
    extended = type(base.__name__, (base,), {"PARAMETERS": {**base.PARAMETERS, **parameters}})
    component.spec = extended(**spec.inputs, **spec.outputs, **spec.exec_properties, **values)
    return component


def with_executor(component: Component, executor_class: type[base_executor.BaseExecutor]) -> Component:
    """Swaps in a subclass of the component's executor, keeping the spec kind, Beam args and flags."""
    current = component.executor_spec
    swapped: executor_spec.ExecutorClassSpec
    if isinstance(current, executor_spec.BeamExecutorSpec):
        swapped = executor_spec.BeamExecutorSpec(executor_class)
        swapped.beam_pipeline_args = list(current.beam_pipeline_args)
    else:
        swapped = executor_spec.ExecutorClassSpec(executor_class)
    if isinstance(current, executor_spec.ExecutorClassSpec):
        swapped.extra_flags = list(current.extra_flags)
    component.executor_spec = swapped
    return component

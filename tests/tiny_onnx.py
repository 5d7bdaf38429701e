"""Tiny ONNX salient models built in memory (onnx.helper): the real loading code runs, with
no download. Both answer "dark pixels are the subject"; one crisply, one hesitantly."""

from __future__ import annotations

from pathlib import Path

import onnx
from onnx import TensorProto, helper


def save_dark_is_salient(path: Path, side: int, gain: float) -> Path:
    """A (1, 3, side, side) -> (1, 1, side, side) model: sigmoid(-gain * channel mean).

    A large ``gain`` gives a crisp map (an ISNet stand-in), a small one a hazy map whose
    values sit near 0.5 (an unsure fast model)."""
    nodes = [
        helper.make_node("ReduceMean", ["input", "axes"], ["mean"], keepdims=1),
        helper.make_node("Mul", ["mean", "gain"], ["scaled"]),
        helper.make_node("Sigmoid", ["scaled"], ["output"]),
    ]
    graph = helper.make_graph(
        nodes,
        "dark_is_salient",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, side, side])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, side, side])],
        initializer=[
            helper.make_tensor("axes", TensorProto.INT64, [1], [1]),
            helper.make_tensor("gain", TensorProto.FLOAT, [], [-float(gain)]),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8  # readable by every onnxruntime the project supports
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path

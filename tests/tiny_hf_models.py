"""Tiny, randomly initialised CLIPSeg and OneFormer models saved like their hub repos.

They go through the real loading code with no network: weights, image processor config
(``preprocessor_config.json``, as the hub repos have it) and a CLIP BPE tokenizer over a
character vocabulary. The OneFormer config names a class-info file that does not exist anywhere,
like the real one names a file in a dataset repo: loading must not try to fetch it.
"""

from __future__ import annotations

import json
import os
import shutil
import string
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CLIPSEG_ID = "CIDAS/clipseg-rd64-refined"
ONEFORMER_ID = "shi-labs/oneformer_coco_swin_large"
ONEFORMER_LABELS = {0: "wall-other-merged", 1: "cup", 2: "person", 3: "floor-wood", 4: "bottle"}
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def tiny_tokenizer():
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    chars = list(string.ascii_lowercase + string.digits + "'-")
    for suffix in ("", "</w>"):
        for ch in chars:
            vocab[ch + suffix] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[])


def build_clipseg(folder: Path) -> Path:
    import torch
    from transformers import CLIPSegConfig, CLIPSegForImageSegmentation, ViTImageProcessor

    torch.manual_seed(0)
    tok = tiny_tokenizer()
    config = CLIPSegConfig(
        text_config={
            "vocab_size": len(tok),
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "max_position_embeddings": 77,
            "bos_token_id": 0,
            "eos_token_id": tok.eos_token_id,
            "pad_token_id": tok.pad_token_id,
        },
        vision_config={
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 3,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 8,
        },
        projection_dim=16,
        extract_layers=[0, 1, 2],
        reduce_dim=8,
        decoder_num_attention_heads=2,
        decoder_intermediate_size=16,
        conditional_layer=0,
    )
    model = CLIPSegForImageSegmentation(config).eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    ViTImageProcessor(
        size={"height": 32, "width": 32}, image_mean=MEAN, image_std=STD
    ).save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def build_oneformer(folder: Path) -> Path:
    import torch
    from transformers import (
        OneFormerConfig,
        OneFormerForUniversalSegmentation,
        OneFormerImageProcessor,
    )

    torch.manual_seed(0)
    tok = tiny_tokenizer()
    config = OneFormerConfig(
        text_encoder_vocab_size=len(tok),
        num_queries=6,
        num_labels=len(ONEFORMER_LABELS),
        id2label=ONEFORMER_LABELS,
        label2id={v: k for k, v in ONEFORMER_LABELS.items()},
        encoder_feedforward_dim=16,
        dim_feedforward=16,
        encoder_layers=1,
        decoder_layers=2,
        num_attention_heads=2,
    )
    backbone = config.backbone_config
    backbone.embed_dim, backbone.depths, backbone.num_heads = 8, [1, 1, 1, 1], [1, 1, 1, 1]
    backbone.hidden_size = 64
    config.backbone = None
    # conv_dim must be a multiple of 32 (GroupNorm(32, conv_dim) in the pixel decoder).
    config.hidden_dim = config.mask_dim = config.conv_dim = config.text_encoder_width = 32
    config.text_encoder_num_layers, config.text_encoder_n_ctx = 1, 2
    model = OneFormerForUniversalSegmentation(config).eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    processor = OneFormerImageProcessor(
        size={"shortest_edge": 64, "longest_edge": 96}, num_labels=len(ONEFORMER_LABELS)
    )
    processor.save_pretrained(folder)
    tok.save_pretrained(folder)
    # As in shi-labs' repos: class metadata named in a dataset repo the processor would download.
    cfg_path = folder / "preprocessor_config.json"
    cfg = json.loads(cfg_path.read_text())
    cfg.update(class_info_file="coco_panoptic.json", repo_path="shi-labs/oneformer_demo")
    cfg_path.write_text(json.dumps(cfg))
    return folder


def as_hub_cache(cache: Path, model_id: str, source: Path, commit: str = "0" * 40) -> Path:
    """Lay ``source`` out as ``huggingface_hub`` does: models--ORG--NAME/snapshots/<commit>/."""
    repo = cache / ("models--" + model_id.replace("/", "--"))
    snapshot = repo / "snapshots" / commit
    shutil.copytree(source, snapshot, dirs_exist_ok=True)
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    return snapshot


def as_legacy_hub_files(source: Path, folder: Path, kind: str) -> Path:
    """``source`` rewritten with the older files the hub repos actually hold.

    vocab.json + merges.txt instead of tokenizer.json, and the v4-era preprocessor configs of
    CIDAS/clipseg-rd64-refined (``ViTFeatureExtractor``, integer size) and of shi-labs' OneFormer
    (0-255 mean/std without rescaling, class_info_file, num_text), at tiny sizes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "model.safetensors"):
        shutil.copy(source / name, folder / name)
    special = {
        "bos_token": "<|startoftext|>",
        "eos_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
    }
    (folder / "vocab.json").write_text(json.dumps(tiny_tokenizer().get_vocab()))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    (folder / "special_tokens_map.json").write_text(json.dumps(special))
    tok_config = {"tokenizer_class": "CLIPTokenizer", "model_max_length": 77, **special}
    (folder / "tokenizer_config.json").write_text(json.dumps(tok_config))
    if kind == "clipseg":
        pre = {
            "feature_extractor_type": "ViTFeatureExtractor",
            "processor_class": "CLIPSegProcessor",
            "do_normalize": True,
            "do_resize": True,
            "image_mean": MEAN,
            "image_std": STD,
            "resample": 2,
            "size": 32,
        }
    else:
        pre = {
            "image_processor_type": "OneFormerImageProcessor",
            "processor_class": "OneFormerProcessor",
            "class_info_file": "coco_panoptic.json",
            "repo_path": "shi-labs/oneformer_demo",
            "num_text": 134,
            "num_labels": len(ONEFORMER_LABELS),
            "ignore_index": 255,
            "do_normalize": True,
            "do_resize": True,
            "do_rescale": False,
            "image_mean": [123.675, 116.28, 103.53],
            "image_std": [58.395, 57.12, 57.375],
            "resample": 2,
            "size": {"shortest_edge": 64, "longest_edge": 96},
        }
    (folder / "preprocessor_config.json").write_text(json.dumps(pre))
    return folder

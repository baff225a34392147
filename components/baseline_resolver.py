"""Resolver strategy: the latest blessed model of the candidate's dataset, other than the candidate, as the baseline."""

from typing import Dict, List, Optional

import ml_metadata as mlmd
from tfx import types
from tfx.dsl.input_resolution.strategies.latest_blessed_model_strategy import LatestBlessedModelStrategy

from components import dataset_identity

CANDIDATE_KEY = "candidate"
MODEL_KEY = "model"
BLESSING_KEY = "model_blessing"


class LatestBlessedBaselineStrategy(LatestBlessedModelStrategy):
    """Like LatestBlessedModelStrategy, but never returns the candidate as its own baseline, nor another dataset's.

    Comparing a cached model with itself would give the Evaluator new inputs on every
    re-run, so an unchanged model would be evaluated and pushed again. A model trained on
    another dataset, label or feature set cannot be evaluated on this data at all.
    """

    def resolve_artifacts(
        self, store: mlmd.MetadataStore, input_dict: Dict[str, List[types.Artifact]]
    ) -> Optional[Dict[str, List[types.Artifact]]]:
        candidates = list(input_dict.get(CANDIDATE_KEY, []))
        candidate_ids = {artifact.id for artifact in candidates}
        models = [model for model in input_dict[MODEL_KEY] if model.id not in candidate_ids]
        if candidates:
            models = [model for model in models if dataset_identity.comparable(candidates[0], model)]
        result = self._resolve(
            {MODEL_KEY: models, BLESSING_KEY: list(input_dict[BLESSING_KEY])}, MODEL_KEY, BLESSING_KEY
        )
        result[CANDIDATE_KEY] = candidates
        return result

"""A Tuner's and a Trainer's tracking calls, as modules/runtime makes them, for the tracking backends' tests."""

from modules.runtime import tracking

RUN_ID = "20261204-101500-123"


def tune_then_train(settings: tracking.Settings) -> tuple:
    """What the Tuner (two trials, each a child run) and then the Trainer record; their two pipeline runs."""
    tuner = tracking.pipeline_run(settings, RUN_ID)
    for trial_id, rate in (("00", 0.01), ("01", 0.03)):
        trial = tuner.child(f"trial-{trial_id}")
        trial.log_params({"learning_rate": rate})
        trial.log_metrics({"val_accuracy": 0.5}, step=1)
        trial.log_metrics({"score": 0.9})
        trial.end()
    tuner.end()
    trainer = tracking.pipeline_run(settings, RUN_ID)
    trainer.log_params({"learning_rate": 0.03, "train_steps": 300})
    for epoch, accuracy in enumerate((0.5, 0.75, 0.875), start=1):
        trainer.log_metrics({"val_accuracy": accuracy}, step=epoch)
    trainer.end()
    return tuner, trainer

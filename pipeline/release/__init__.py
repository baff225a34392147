"""The release path: `vtx smoke` tries a stage's live endpoint, `vtx promote` moves a smoked version on."""

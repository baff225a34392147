"""`vtx rehearse`: the compiled Vertex AI spec run here, task by task, as Vertex AI's launcher runs it."""

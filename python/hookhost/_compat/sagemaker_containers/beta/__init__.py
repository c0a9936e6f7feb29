"""sagemaker_containers.beta (hookhost compatibility): holds ``framework``."""

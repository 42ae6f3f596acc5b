from django.contrib.staticfiles.apps import StaticFilesConfig


class TongxinStaticFilesConfig(StaticFilesConfig):
    # viewflow ships an unused npm copy of roboto-fontface whose CSS names fonts it does not ship;
    # the manifest storage would reject it at collectstatic.
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "node_modules"]

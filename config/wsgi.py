import gc

from django.core.wsgi import get_wsgi_application

from config.environment import select_settings_module

select_settings_module()
application = get_wsgi_application()

# Everything loaded so far lives as long as the process: keep it out of the garbage collector's full
# passes, which otherwise walk the whole of Django on a busy page (a p95 of several milliseconds).
gc.collect()
gc.freeze()

"""Web: the Gradio chat page. app (puts it together, starts it), page (what its events do), one module per
tab plus language (header, switching), views (answers, ranked, library_view), markup (Jinja2 templates,
static CSS/JS), i18n (strings/<lang>.toml), library (uploads and removals)."""

"""Web: the Gradio chat page (app, views, the uploads library, strings per language, static CSS/JS)."""

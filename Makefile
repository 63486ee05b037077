.PHONY: chat test lint
chat:  ## install and start the web chat on the embedded defaults
	bash scripts/chat.sh
test:  ## install and run lint and the whole test suite
	bash scripts/test.sh
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/python -m mypy profile_qa app.py corpus embeddings qa eval

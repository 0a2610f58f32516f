from _oracle_stub import install

install(__name__)
